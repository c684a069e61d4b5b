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
    return List.of("", "server", "agent", "apiserver", "scheduler", "controller-manager", "kubelet", "proxy", "hollow-nodes", "lab", "image", "image ls", "token", "token create", "token list", "token delete",
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
  void tokensCreatedListedAndDeleted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.out;
    try {
      System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(0, JkCommand.commandLine().execute("token", "create", "--ttl", "1h", "--data-dir", dir.toString()));
      String token = printed.toString(java.nio.charset.StandardCharsets.UTF_8).trim();
      assertTrue(token.matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), token);
      io.jk.apiserver.auth.JoinTokens tokens = new io.jk.apiserver.auth.JoinTokens(dir.resolve("join-tokens"));
      assertTrue(tokens.verify(token).isPresent());
      printed.reset();
      assertEquals(0, JkCommand.commandLine().execute("token", "list", "--data-dir", dir.toString()));
      String list = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(list.contains(token.substring(0, 6)) && !list.contains(token.substring(7)), list);
      assertEquals(0, JkCommand.commandLine().execute("token", "delete", token.substring(0, 6), "--data-dir", dir.toString()));
      assertTrue(tokens.verify(token).isEmpty());
      assertEquals(1, JkCommand.commandLine().execute("token", "delete", token.substring(0, 6), "--data-dir", dir.toString()));
    } finally {
      System.setOut(saved);
    }
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
