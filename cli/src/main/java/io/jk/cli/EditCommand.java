package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jkctl edit TYPE NAME}: the object in {@code $EDITOR} (or {@code vi}), then replaced if changed. */
@Command(name = "edit", description = "Edit a resource on the server.")
final class EditCommand extends Base {

  @Parameters(arity = "1..2", paramLabel = "TYPE NAME | TYPE/NAME")
  List<String> args = new ArrayList<>();

  @Override
  void run() throws Exception {
    ObjectRef r = ref(args);
    JsonNode live = api().get(r.path());
    String before = Printing.yaml(live);
    Path tmp = Files.createTempFile("jkctl-edit-", ".yaml");
    try {
      Files.writeString(tmp, "# Edit the object below; save and quit to apply, leave it unchanged to cancel.\n" + before);
      String editor = root().env.getOrDefault("KUBE_EDITOR", root().env.getOrDefault("EDITOR", "vi"));
      Process p = new ProcessBuilder("sh", "-c", editor + " \"$0\"", tmp.toString()).inheritIO().start();
      if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
        throw new CliException("the editor \"" + editor + "\" exited with an error");
      }
      String after = Files.readString(tmp);
      JsonNode edited;
      try {
        edited = Json.yamlMapper().readTree(after);
      } catch (Exception e) {
        throw new CliException("edited object is not valid YAML: " + e.getMessage().split("\n")[0]);
      }
      if (edited == null || edited.equals(Json.yamlMapper().readTree(before))) {
        out().println("Edit cancelled, no changes made.");
        return;
      }
      api().json("PUT", r.path() + "?fieldManager=kubectl-edit", "application/json", edited);
      out().println(r.display() + " edited");
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
