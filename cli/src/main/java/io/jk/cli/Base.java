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

  @Override
  public Integer call() throws Exception {
    run();
    out().flush();
    return 0;
  }

  /** The command's work; failures are thrown as {@link CliException}. */
  abstract void run() throws Exception;
}
