package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl delete}: by manifest, by type and name, or by label selector. */
@Command(name = "delete", description = "Delete resources by file names, stdin, resources and names, or by selector.")
final class DeleteCommand extends Base {

  @Parameters(arity = "0..*", paramLabel = "TYPE [NAME...] | TYPE/NAME...")
  List<String> args = new ArrayList<>();

  @Option(names = {"-f", "--filename"}, description = "File, directory or - for stdin.")
  List<String> files;

  @Option(names = {"-R", "--recursive"}, description = "Process directories recursively.")
  boolean recursive;

  @Option(names = {"-l", "--selector"}, description = "Label selector.")
  String selector;

  @Option(names = "--all", description = "Delete every object of the types in the namespace.")
  boolean all;

  @Option(names = "--ignore-not-found", description = "Treat \"not found\" as a successful delete.")
  boolean ignoreNotFound;

  @Option(names = "--grace-period", description = "Seconds to give the object to terminate (-1: its default).")
  int gracePeriod = -1;

  @Option(names = "--force", description = "Delete immediately (grace period 0).")
  boolean force;

  @Option(names = "--wait", arity = "0..1", fallbackValue = "true", description = "Wait until the objects are gone (default true).")
  boolean waitGone = true;

  @Option(names = "--timeout", description = "How long to wait, e.g. 30s (0: forever).")
  String timeout = "0s";

  @Option(names = "--cascade", arity = "0..1", fallbackValue = "background",
      description = "background|foreground|orphan (default background).")
  String cascade = "background";

  @Override
  void run() throws Exception {
    String policy = switch (cascade) {
      case "background", "true" -> "Background";
      case "foreground" -> "Foreground";
      case "orphan", "false" -> "Orphan";
      default -> throw new CliException("invalid cascade value (" + cascade
          + "). Must be \"background\", \"foreground\", or \"orphan\"");
    };
    ObjectNode options = Json.mapper().createObjectNode();
    options.put("kind", "DeleteOptions").put("apiVersion", "v1").put("propagationPolicy", policy);
    if (force && gracePeriod < 0) {
      gracePeriod = 0;
    }
    if (force) {
      err().println("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
          + "terminated. The resource may continue to run on the cluster indefinitely.");
    }
    if (gracePeriod >= 0) {
      options.put("gracePeriodSeconds", gracePeriod == 0 && !force ? 1 : gracePeriod);
    }
    List<ObjectRef> refs = new ArrayList<>();
    java.util.Map<ObjectRef, String> sources = new java.util.HashMap<>();
    Session s = session();
    if (files != null && !files.isEmpty()) {
      for (Manifests.Manifest m : Manifests.read(files, recursive, root().in, root().cwd)) {
        ObjectRef r = ObjectRef.of(m.object(), s);
        refs.add(r);
        sources.put(r, m.source());
      }
    } else {
      if (args.isEmpty()) {
        throw new CliException("You must provide one or more resources by argument or filename.");
      }
      for (Targets.Target t : Targets.parse(args, s.discovery())) {
        String ns = t.type().namespaced() ? s.namespace() : null;
        if (!t.names().isEmpty()) {
          t.names().forEach(n -> refs.add(new ObjectRef(t.type(), ns, n)));
        } else if (selector != null || all) {
          String q = selector == null ? "" : "?labelSelector=" + Paths.query(selector);
          for (JsonNode i : api().get(t.type().collectionPath(ns) + q).path("items")) {
            refs.add(new ObjectRef(t.type(), ns, i.path("metadata").path("name").asText()));
          }
        } else {
          throw new CliException("resource(s) were provided, but no name was specified");
        }
      }
      if (refs.isEmpty()) {
        err().println("No resources found");
        return;
      }
    }
    List<CliException> failures = new ArrayList<>();
    List<ObjectRef> deleted = new ArrayList<>();
    for (ObjectRef r : refs) {
      ApiClient.Response resp = api().send("DELETE", r.path(), "application/json",
          Json.mapper().writeValueAsString(options), "application/json");
      if (resp.status() == 404 && ignoreNotFound) {
        continue;
      }
      try {
        resp.check();
        out().println(r.type().kindPrefix() + " \"" + r.name() + "\" " + (force ? "force deleted" : "deleted"));
        out().flush();
        deleted.add(r);
      } catch (ApiException e) {
        failures.add(sources.containsKey(r) ? e.withPrefix("error when deleting \"" + sources.get(r) + "\": ") : e);
      }
    }
    if (waitGone) {
      long deadline = Durations.deadline(timeout);
      for (ObjectRef r : deleted) {
        while (api().send("GET", r.path(), null, null, "application/json").status() != 404) {
          if (System.nanoTime() > deadline) {
            failures.add(new CliException("timed out waiting for the condition on " + r.type().resource() + "/"
                + r.name()));
            break;
          }
          Thread.sleep(100);
        }
      }
    }
    failures.forEach(e -> err().println(e.userMessage()));
    if (!failures.isEmpty()) {
      throw CliException.silent();
    }
  }
}
