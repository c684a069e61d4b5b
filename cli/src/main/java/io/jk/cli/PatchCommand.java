package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl patch}: a strategic merge, JSON merge or JSON patch to one object. */
@Command(name = "patch", description = "Update fields of a resource using a strategic merge, merge or JSON patch.")
final class PatchCommand extends Base {

  @Parameters(arity = "1..*", paramLabel = "TYPE NAME | TYPE/NAME")
  List<String> args = new ArrayList<>();

  @Option(names = {"-p", "--patch"}, required = true, description = "The patch (JSON or YAML).")
  String patch;

  @Option(names = "--type", description = "strategic (default), merge or json.")
  String type = "strategic";

  @Option(names = "--subresource", description = "status or scale.")
  String subresource;

  @Override
  void run() throws IOException {
    String contentType = switch (type) {
      case "strategic" -> "application/strategic-merge-patch+json";
      case "merge" -> "application/merge-patch+json";
      case "json" -> "application/json-patch+json";
      default -> throw new CliException("--type must be one of [json merge strategic], not \"" + type + "\"");
    };
    JsonNode body;
    try {
      body = Json.yamlMapper().readTree(patch);
    } catch (IOException e) {
      throw new CliException("unable to parse \"" + patch + "\": " + e.getMessage().split("\n")[0]);
    }
    for (ObjectRef r : refs(args)) {
      String path = r.path() + (subresource == null ? "" : "/" + subresource);
      String before = api().get(path).path("metadata").path("resourceVersion").asText();
      JsonNode after = api().json("PATCH", path + "?fieldManager=kubectl-patch", contentType,
          Json.mapper().writeValueAsString(body));
      boolean same = before.equals(after.path("metadata").path("resourceVersion").asText());
      out().println(r.display() + " patched" + (same ? " (no change)" : ""));
    }
  }
}
