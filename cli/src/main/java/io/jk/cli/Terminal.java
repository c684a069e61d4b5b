package io.jk.cli;

import java.util.Map;
import picocli.CommandLine.Help.Ansi;

/**
 * What a command knows of the terminal it was typed in: which standard streams are terminals,
 * and the width. A jkctl process asks its own streams; the jkctl daemon gets these from the
 * client, since its own streams are a log file.
 *
 * @param stdin whether standard input is a terminal
 * @param stdout whether standard output is a terminal
 * @param stderr whether standard error is a terminal
 * @param columns the terminal's width, 0 when unknown
 */
public record Terminal(boolean stdin, boolean stdout, boolean stderr, int columns) {

  /**
   * Whether help and errors are coloured, decided as picocli's {@code Ansi.AUTO} decides it in a
   * jkctl process on Linux: {@code NO_COLOR} turns colours off, {@code CLICOLOR_FORCE} (not 0) on,
   * {@code CLICOLOR=0} off, and otherwise they are on when the JVM has a console (standard input
   * and output both terminals).
   */
  public Ansi ansi(Map<String, String> env) {
    if (env.get("NO_COLOR") != null) {
      return Ansi.OFF;
    }
    String force = env.get("CLICOLOR_FORCE");
    if (force != null && !force.equals("0")) {
      return Ansi.ON;
    }
    if ("0".equals(env.get("CLICOLOR")) || "OFF".equals(env.get("ConEmuANSI"))) {
      return Ansi.OFF;
    }
    return stdin && stdout ? Ansi.ON : Ansi.OFF;
  }
}
