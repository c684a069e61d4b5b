package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jkctl exec [-i] [-t] POD [-c C] -- CMD...}: the {@code pods/exec} WebSocket
 * ({@code v5.channel.k8s.io}, falling back to {@code v4}), stdout and stderr copied through and
 * the command's exit code passed on as jkctl's.
 */
@Command(name = "exec", description = "Execute a command in a container.")
final class ExecCommand extends Base {

  @Parameters(index = "0", paramLabel = "POD | TYPE/NAME")
  String pod;

  @Parameters(index = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --).")
  List<String> command = new ArrayList<>();

  @Option(names = {"-c", "--container"}, description = "The container.")
  String container;

  @Option(names = {"-i", "--stdin"}, description = "Pass standard input to the container.")
  boolean stdin;

  @Option(names = {"-t", "--tty"}, description = "Stdin is a TTY.")
  boolean tty;

  @Override
  void run() throws Exception {
    if (command.isEmpty()) {
      throw new CliException("you must specify at least one command for the container");
    }
    String name = pod.contains("/") ? pod.substring(pod.indexOf('/') + 1) : pod;
    String ns = session().namespace();
    String podPath = "/api/v1/namespaces/" + Paths.segment(ns) + "/pods/" + Paths.segment(name);
    JsonNode p = api().get(podPath);
    String phase = p.path("status").path("phase").asText();
    if (phase.equals("Succeeded") || phase.equals("Failed")) {
      throw new CliException("cannot exec into a container in a completed pod; current phase is " + phase);
    }
    StringBuilder q = new StringBuilder();
    for (String c : command) {
      q.append("&command=").append(Paths.query(c));
    }
    if (container != null) {
      q.append("&container=").append(Paths.query(container));
    }
    q.append("&stdout=true&stderr=").append(!tty);
    if (stdin) {
      q.append("&stdin=true");
    }
    if (tty) {
      q.append("&tty=true");
    }
    int code;
    try (WebSocketStream socket = api().webSocket(podPath + "/exec?" + q.substring(1),
        List.of("v5.channel.k8s.io", "v4.channel.k8s.io"))) {
      if (stdin) {
        boolean v5 = socket.protocol().equals("v5.channel.k8s.io");
        Thread pump = new Thread(() -> pumpStdin(socket, v5), "jkctl-exec-stdin");
        pump.setDaemon(true);
        pump.start();
      }
      code = copyOutput(socket);
    } catch (IOException e) {
      throw new CliException("exec stream failed: " + e.getMessage());
    }
    out().flush();
    err().flush();
    if (code != 0) {
      throw new CliException("command terminated with exit code " + code, code) {
        @Override
        public String userMessage() {
          return getMessage(); // kubectl's words, without "error: "
        }
      };
    }
  }

  /** Copies channels 1 and 2 to stdout and stderr until the status (channel 3); returns the exit code. */
  private int copyOutput(WebSocketStream socket) throws IOException {
    for (byte[] m = socket.receive(); m != null; m = socket.receive()) {
      if (m.length == 0) {
        continue;
      }
      String text = new String(m, 1, m.length - 1, java.nio.charset.StandardCharsets.UTF_8);
      switch (m[0]) {
        case 1 -> {
          out().print(text);
          out().flush();
        }
        case 2 -> {
          err().print(text);
          err().flush();
        }
        case 3 -> {
          return exitCode(text);
        }
        default -> { }
      }
    }
    return 0; // closed without a status: as kubectl, success
  }

  private void pumpStdin(WebSocketStream socket, boolean v5) {
    InputStream in = root().in;
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        byte[] m = new byte[n + 1];
        System.arraycopy(buf, 0, m, 1, n);
        socket.sendBinary(m);
      }
      if (v5) {
        socket.sendBinary(new byte[] {(byte) 255, 0}); // v5: stdin closed
      }
    } catch (IOException | RuntimeException e) {
      // the command ended first
    }
  }

  static int exitCode(String statusJson) {
    try {
      JsonNode s = Json.mapper().readTree(statusJson);
      if ("Success".equals(s.path("status").asText())) {
        return 0;
      }
      for (JsonNode c : s.path("details").path("causes")) {
        if ("ExitCode".equals(c.path("reason").asText())) {
          return Integer.parseInt(c.path("message").asText());
        }
      }
      throw new CliException(s.path("message").asText("exec failed"));
    } catch (IOException | NumberFormatException e) {
      throw new CliException("exec failed: " + statusJson);
    }
  }
}
