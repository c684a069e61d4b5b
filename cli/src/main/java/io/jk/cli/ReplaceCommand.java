package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jkctl replace -f}: replaces every object of the manifests (PUT). */
@Command(name = "replace", description = "Replace resources from files or stdin.")
final class ReplaceCommand extends Base {

  @Option(names = {"-f", "--filename"}, required = true, description = "File, directory or - for stdin.")
  List<String> files;

  @Option(names = {"-R", "--recursive"}, description = "Process directories recursively.")
  boolean recursive;

  @Override
  void run() throws Exception {
    List<CliException> failures = new ArrayList<>();
    for (Manifests.Manifest m : Manifests.read(files, recursive, root().in, root().cwd)) {
      try {
        ObjectRef ref = ObjectRef.of(m.object(), session());
        ObjectNode body = m.object().deepCopy();
        if (!body.path("metadata").hasNonNull("resourceVersion")) {
          // kubectl replaces the live version unconditionally when the file carries none
          JsonNode live = api().get(ref.path());
          ((ObjectNode) body.get("metadata")).put("resourceVersion",
              live.path("metadata").path("resourceVersion").asText());
        }
        api().json("PUT", ref.path() + "?fieldManager=kubectl-replace&fieldValidation=Strict", "application/json", body);
        out().println(ref.display() + " replaced");
      } catch (ApiException e) {
        failures.add(e.withPrefix("error when replacing \"" + m.source() + "\": "));
      } catch (CliException e) {
        failures.add(e);
      }
    }
    failures.forEach(e -> err().println(e.userMessage()));
    if (!failures.isEmpty()) {
      throw CliException.silent();
    }
  }
}
