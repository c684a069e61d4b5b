package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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
    URI http = api().uri(podPath + "/exec?" + q.substring(1));
    URI ws = URI.create(http.toString().replaceFirst("^http", "ws"));
    Listener listener = new Listener();
    WebSocket.Builder b = api().http().newWebSocketBuilder().subprotocols("v5.channel.k8s.io", "v4.channel.k8s.io");
    if (api().authorization() != null) {
      b.header("Authorization", api().authorization());
    }
    WebSocket socket;
    try {
      socket = b.buildAsync(ws, listener).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.net.http.WebSocketHandshakeException h) {
        String body = h.getResponse().body() == null ? "" : String.valueOf(h.getResponse().body());
        throw new ApiException(h.getResponse().statusCode(), new ApiClient.Response(h.getResponse().statusCode(), body, "").json(), body);
      }
      throw new CliException("cannot open the exec stream: " + (c == null ? e : c).getMessage());
    }
    if (stdin) {
      Thread pump = new Thread(() -> pumpStdin(socket), "jkctl-exec-stdin");
      pump.setDaemon(true);
      pump.start();
    }
    int code = listener.done.get();
    out().flush();
    err().flush();
    if (code != 0) {
      throw new CliException("command terminated with exit code " + code, code) {
        @Override
        public String userMessage() {
          return "";
        }
      };
    }
  }

  private void pumpStdin(WebSocket socket) {
    InputStream in = root().in;
    byte[] buf = new byte[4096];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        ByteBuffer m = ByteBuffer.allocate(n + 1);
        m.put((byte) 0).put(buf, 0, n).flip();
        socket.sendBinary(m, true).join();
      }
      // v5: close stdin with channel 255
      socket.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 255, 0}), true).join();
    } catch (IOException | RuntimeException e) {
      // the command ended first
    }
  }

  /** Collects frames per channel; completes with the exit code. */
  private final class Listener implements WebSocket.Listener {
    final CompletableFuture<Integer> done = new CompletableFuture<>();
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      frame.writeBytes(bytes);
      if (last) {
        byte[] f = frame.toByteArray();
        frame.reset();
        if (f.length > 0) {
          String text = new String(f, 1, f.length - 1, java.nio.charset.StandardCharsets.UTF_8);
          switch (f[0]) {
            case 1 -> {
              out().print(text);
              out().flush();
            }
            case 2 -> {
              err().print(text);
              err().flush();
            }
            case 3 -> done.complete(exitCode(text));
            default -> { }
          }
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      done.complete(0);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      done.completeExceptionally(new CliException("exec stream failed: " + error.getMessage()));
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
