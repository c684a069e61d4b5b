package io.jk.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jkctl create -f}: creates every object of the manifests. */
@Command(name = "create", description = "Create resources from files or stdin.")
final class CreateCommand extends Base {

  @Option(names = {"-f", "--filename"}, required = true, description = "File, directory or - for stdin.")
  List<String> files;

  @Option(names = {"-R", "--recursive"}, description = "Process directories recursively.")
  boolean recursive;

  @Option(names = "--save-config", description = "Record the last-applied-configuration annotation.")
  boolean saveConfig;

  @Override
  void run() throws Exception {
    List<CliException> failures = new ArrayList<>();
    for (Manifests.Manifest m : Manifests.read(files, recursive, root().in, root().cwd)) {
      try {
        ObjectRef ref = ObjectRef.of(m.object(), session());
        Object body = saveConfig ? ApplyCommand.withLastApplied(m.object(), ref.namespace()) : m.object();
        var created = api().json("POST", ref.collectionPath() + "?fieldManager=kubectl-create&fieldValidation=Strict",
            "application/json", body);
        out().println(ref.type().kindPrefix() + "/" + created.path("metadata").path("name").asText() + " created");
      } catch (ApiException e) {
        failures.add(e.withPrefix("error when creating \"" + m.source() + "\": "));
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
