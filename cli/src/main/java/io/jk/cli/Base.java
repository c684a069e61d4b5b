package io.jk.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the root's session, stdout and stderr. */
abstract class Base implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  /** The root command (global flags, environment). */
  JkctlCommand root() {
    return (JkctlCommand) spec.root().userObject();
  }

  Session session() {
    return root().session();
  }

  ApiClient api() {
    return session().api();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** The objects named by {@code TYPE NAME...} or {@code TYPE/NAME...}, in the session's namespace. */
  java.util.List<ObjectRef> refs(java.util.List<String> args) {
    java.util.List<ObjectRef> out = new java.util.ArrayList<>();
    for (Targets.Target t : Targets.parse(args, session().discovery())) {
      if (t.names().isEmpty()) {
        throw new CliException("resource(s) were provided, but no name was specified");
      }
      for (String n : t.names()) {
        out.add(new ObjectRef(t.type(), t.type().namespaced() ? session().namespace() : null, n));
      }
    }
    return out;
  }

  /** Exactly one object from {@code TYPE NAME} or {@code TYPE/NAME}. */
  ObjectRef ref(java.util.List<String> args) {
    java.util.List<ObjectRef> l = refs(args);
    if (l.size() != 1) {
      throw new CliException("exactly one resource must be named, got " + l.size());
    }
    return l.get(0);
  }

  /** Sends a JSON merge patch to an object (or one of its subresources). */
  com.fasterxml.jackson.databind.JsonNode mergePatch(String path, Object patch) {
    return api().json("PATCH", path, "application/merge-patch+json", patch);
  }

  @Override
  public Integer call() throws Exception {
    run();
    out().flush();
    return 0;
  }

  /** The command's work; failures are thrown as {@link CliException}. */
  abstract void run() throws Exception;
}
