package io.jk.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every {@code jk} command answers {@code --help} with its usage and exit code 0. */
class JkCommandTest {

  static List<String> commands() {
    return List.of("", "server", "agent", "apiserver", "scheduler", "controller-manager", "hollow-nodes", "image",
        "image import", "version");
  }

  @ParameterizedTest(name = "jk {0} --help")
  @MethodSource("commands")
  void helpEverywhere(String command) {
    CommandLine jk = JkCommand.commandLine();
    StringWriter out = new StringWriter();
    jk.setOut(new PrintWriter(out));
    String[] words = command.isEmpty() ? new String[0] : command.split(" ");
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(words), java.util.stream.Stream.of("--help"))
        .toArray(String[]::new);
    assertEquals(0, jk.execute(args));
    assertTrue(out.toString().startsWith("Usage: jk" + (command.isEmpty() ? "" : " " + command)), out.toString());
  }

  @org.junit.jupiter.api.Test
  void unknownCommandFails() {
    CommandLine jk = JkCommand.commandLine();
    jk.setErr(new PrintWriter(new StringWriter()));
    assertEquals(2, jk.execute("no-such-command"));
  }

  @org.junit.jupiter.api.Test
  void badDurationIsAClearError() {
    assertEquals(2, JkCommand.commandLine().execute("server", "--store-outage-limit", "soon", "--data-dir", "/nonexistent"));
  }
}
