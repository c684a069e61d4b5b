package io.jk.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The class-data-sharing training run: runs many jkctl command lines in one JVM so that the
 * JVM's class list ({@code -XX:DumpLoadedClassList}) holds every class of the commands users run
 * most (TLS, discovery, Tables, apply's patch, YAML output). The distribution's build runs it
 * against a throw-away {@code jk server}; see {@code deploy/src/dist/cds-train.sh}.
 *
 * <p>Reads one command line per standard input line (words split on spaces, {@code #} starts a
 * comment), discards their output and prints one summary line per command to stderr. Exit codes
 * of the commands are reported but do not fail the run: error paths are worth archiving too.
 */
final class Training {

  private Training() {}

  /** Entry point: {@code java -cp ... io.jk.cli.Training < commands}. */
  public static void main(String[] args) throws Exception {
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        String t = l.strip();
        if (!t.isEmpty() && !t.startsWith("#")) {
          lines.add(t);
        }
      }
    }
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    int failed = 0;
    for (String line : lines) {
      String[] words = line.split(" +");
      int code = JkctlCommand.run(words, System.getenv(), new java.io.ByteArrayInputStream(new byte[0]), sink, sink);
      System.err.println("cds training: exit " + code + ": jkctl " + line);
      failed += code == 0 ? 0 : 1;
    }
    System.err.println("cds training: " + lines.size() + " commands, " + failed + " with a non-zero exit");
    System.exit(0);
  }
}
