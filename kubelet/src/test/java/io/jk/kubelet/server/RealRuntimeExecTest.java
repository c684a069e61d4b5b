package io.jk.kubelet.server;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.jk.kubelet.testing.KubeletHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logs and exec of a real container (kubelet core, jkshim, jkrt) through the {@link KubeletServer}. */
class RealRuntimeExecTest {

  private static KubeletHarness h;
  private static Vertx vertx;
  private static KubeletServer server;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    h = new KubeletHarness(Duration.ofSeconds(1));
    h.client().pods().resource(pod("real", "Always",
        sh("app", "trap 'exit 0' TERM; echo started; while true; do sleep 1; done")).build()).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(h.get("real").getStatus().getPhase()));
    dir = Files.createTempDirectory("jk-kubelet-server-real");
    Files.writeString(dir.resolve("tokens"), "real-token\n");
    vertx = Vertx.vertx();
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", 0, null, null, null, dir.resolve("tokens"),
        dir.resolve("state")), h.kubelet().podContainers(), KubeletHarness.NODE);
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (dir != null) {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    if (h != null) {
      h.close();
    }
  }

  @Test
  void logsOfTheRealContainer() {
    var http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("started\n",
        http.request(new RequestOptions().setHost("127.0.0.1").setPort(server.port())
            .setURI("/containerLogs/default/real/app").addHeader("Authorization", "Bearer real-token"))
            .compose(r -> r.send().compose(resp -> resp.body())).map(b -> b.toString(StandardCharsets.UTF_8))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)));
  }

  @Test
  void execWithATerminal() throws Exception {
    var ws = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    String uri = "/exec/default/real/app?command=sh&command=-c&command="
        + URLEncoder.encode("test -t 0 && test -t 1 && echo on-a-tty", StandardCharsets.UTF_8)
        + "&stdin=true&stdout=true&tty=true";
    StringBuffer out = new StringBuffer();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port()).setURI(uri)
        .addHeader("Authorization", "Bearer real-token").addSubProtocol("v5.channel.k8s.io")).onSuccess(s -> {
          s.binaryMessageHandler(b -> {
            if (b.getByte(0) == 1) {
              out.append(b.getString(1, b.length()));
            }
          });
          s.closeHandler(v -> closed.complete(s.closeStatusCode()));
          s.writeBinaryMessage(Buffer.buffer().appendByte((byte) 4).appendString("{\"Width\":100,\"Height\":30}"));
        }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals((short) 1000, closed.get(30, TimeUnit.SECONDS));
    assertEquals("on-a-tty", out.toString().trim());
  }

  @Test
  void aResizeFrameSetsTheTerminalSize() throws Exception {
    var ws = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    // the size is 0 0 until the resize reaches the terminal
    String script = "for i in $(seq 50); do s=$(stty size 2>/dev/null); [ \"$s\" = \"30 100\" ] && break; sleep 0.1; done; echo size:$s";
    String uri = "/exec/default/real/app?command=sh&command=-c&command=" + URLEncoder.encode(script, StandardCharsets.UTF_8)
        + "&stdin=true&stdout=true&tty=true";
    StringBuffer out = new StringBuffer();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port()).setURI(uri)
        .addHeader("Authorization", "Bearer real-token").addSubProtocol("v5.channel.k8s.io")).onSuccess(s -> {
          s.binaryMessageHandler(b -> {
            if (b.getByte(0) == 1) {
              out.append(b.getString(1, b.length()));
            }
          });
          s.closeHandler(v -> closed.complete(s.closeStatusCode()));
          s.writeBinaryMessage(Buffer.buffer().appendByte((byte) 4).appendString("{\"Width\":100,\"Height\":30}"));
        }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals((short) 1000, closed.get(30, TimeUnit.SECONDS));
    assertEquals("size:30 100", out.toString().trim());
  }

  @Test
  void statsSummaryHasTheContainersCgroupFigures() throws Exception {
    var http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    String body = http.request(new RequestOptions().setHost("127.0.0.1").setPort(server.port())
            .setURI("/stats/summary").addHeader("Authorization", "Bearer real-token"))
        .compose(r -> r.send().compose(resp -> resp.body())).map(b -> b.toString(StandardCharsets.UTF_8))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    JsonNode doc = Json.mapper().readTree(body);
    JsonNode pod = null;
    for (JsonNode p : doc.path("pods")) {
      if (p.path("podRef").path("name").asText().equals("real")) {
        pod = p;
      }
    }
    org.junit.jupiter.api.Assertions.assertNotNull(pod, body);
    JsonNode app = pod.path("containers").path(0);
    assertEquals("app", app.path("name").asText(), body);
    org.junit.jupiter.api.Assertions.assertTrue(app.path("memory").path("usageBytes").asLong() > 0, body);
    org.junit.jupiter.api.Assertions.assertTrue(app.path("cpu").path("usageCoreNanoSeconds").asLong() > 0, body);
  }

  @Test
  void execInsideTheRealContainerWithStdinAndExitCode() throws Exception {
    var ws = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    String script = "read x; echo got:$x; test -f /bin/busybox && echo in-container; exit 3";
    String uri = "/exec/default/real/app?command=sh&command=-c&command=" + URLEncoder.encode(script, StandardCharsets.UTF_8)
        + "&stdin=true&stdout=true&stderr=true";
    Map<Integer, StringBuffer> channels = new ConcurrentHashMap<>();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    var socket = ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port()).setURI(uri)
        .addHeader("Authorization", "Bearer real-token").addSubProtocol("v4.channel.k8s.io")).onSuccess(s -> {
          s.binaryMessageHandler(b -> channels.computeIfAbsent((int) b.getByte(0), k -> new StringBuffer())
              .append(b.getString(1, b.length())));
          s.closeHandler(v -> closed.complete(s.closeStatusCode()));
        }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals("v4.channel.k8s.io", socket.subProtocol());
    socket.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendString("hi\n"));
    assertEquals((short) 1000, closed.get(30, TimeUnit.SECONDS));
    assertEquals("got:hi\nin-container\n", String.valueOf(channels.get(1)), () -> "stderr: " + channels.get(2));
    JsonNode status = Json.mapper().readTree(channels.get(3).toString());
    assertEquals("3", status.path("details").path("causes").path(0).path("message").asText(), status.toString());
  }
}
