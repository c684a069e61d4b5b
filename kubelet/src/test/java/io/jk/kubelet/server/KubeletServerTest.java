package io.jk.kubelet.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kubelet's HTTPS API over real files, a real TLS listener and a stand-in runtime. */
class KubeletServerTest {

  private static KubeletServerFixture fx;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    fx = new KubeletServerFixture();
    http = fx.client(true);
    fx.pods.add("demo", "web", "nginx", fx.log("web.log",
        "2026-01-01T10:00:00.000000001Z stdout F first",
        "2026-01-01T10:00:01.5Z stderr F second",
        "2026-01-01T10:00:02Z stdout P par",
        "2026-01-01T10:00:02.1Z stdout P ti",
        "2026-01-01T10:00:02.2Z stdout F al",
        "2026-01-01T10:00:03Z stdout F fourth"), fx.runtime, fx.dir);
    Files.writeString(fx.dir.resolve("web.log.1"), "2026-01-01T09:00:00Z stdout F rotated-newer\n");
    Files.writeString(fx.dir.resolve("web.log.2"), "2026-01-01T08:00:00Z stdout F rotated-older\n");
    fx.pods.addPrevious("demo", "web", "nginx", fx.log("web-0.log", "2026-01-01T07:00:00Z stdout F before restart"));
  }

  @AfterAll
  static void stop() throws Exception {
    fx.close();
  }

  private static Map.Entry<Integer, String> get(HttpClient c, String uri) throws Exception {
    // the body is asked for in the send's own callback: chained after it from this (non-Vert.x) thread,
    // the response can end before body() is attached and the future never completes (vert.x#4705)
    return c.request(HttpMethod.GET, uri).compose(r -> r.send()
        .compose(resp -> resp.body().map(b -> Map.entry(resp.statusCode(), b.toString(StandardCharsets.UTF_8)))))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void anonymousIsRefusedAndTokenOrCertificateLetIn() throws Exception {
    HttpClient anonymous = fx.client(false);
    assertEquals(401, get(anonymous, "/healthz").getKey());
    assertEquals(401, get(anonymous, "/pods").getKey());
    var withToken = anonymous.request(new RequestOptions().setURI("/healthz").addHeader("Authorization",
        "Bearer " + KubeletServerFixture.TOKEN)).compose(r -> r.send()).map(r -> r.statusCode())
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(200, withToken);
    var badToken = anonymous.request(new RequestOptions().setURI("/healthz").addHeader("Authorization",
        "Bearer nope")).compose(r -> r.send()).map(r -> r.statusCode())
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(401, badToken);
    assertEquals(Map.entry(200, "ok\n"), get(http, "/healthz"));
    JsonNode pods = Json.mapper().readTree(get(http, "/pods").getValue());
    assertEquals("PodList", pods.path("kind").asText());
    assertTrue(pods.path("items").findValuesAsText("name").contains("web"), pods.toString());
  }

  @Test
  void logsReadRotatedFilesAndJoinPartialLines() throws Exception {
    assertEquals(Map.entry(200, "rotated-older\nrotated-newer\nfirst\nsecond\npartial\nfourth\n"),
        get(http, "/containerLogs/demo/web/nginx"));
  }

  @Test
  void logsHonourTailTimestampsSinceAndLimit() throws Exception {
    assertEquals("partial\nfourth\n", get(http, "/containerLogs/demo/web/nginx?tailLines=2").getValue());
    assertEquals("", get(http, "/containerLogs/demo/web/nginx?tailLines=0").getValue());
    assertEquals("2026-01-01T10:00:01.5Z second\n2026-01-01T10:00:02Z partial\n2026-01-01T10:00:03Z fourth\n",
        get(http, "/containerLogs/demo/web/nginx?tailLines=3&timestamps=true").getValue());
    assertEquals("partial\nfourth\n",
        get(http, "/containerLogs/demo/web/nginx?sinceTime=2026-01-01T10:00:02Z").getValue());
    assertEquals("rotated-older\nrota", get(http, "/containerLogs/demo/web/nginx?limitBytes=18").getValue());
    assertEquals("before restart\n", get(http, "/containerLogs/demo/web/nginx?previous=true").getValue());
    assertEquals(400, get(http, "/containerLogs/demo/web/nginx?tailLines=x").getKey());
    var missing = get(http, "/containerLogs/demo/web/nope");
    assertEquals(404, missing.getKey());
    assertTrue(missing.getValue().contains("container \"nope\" in pod \"web\" not found"), missing.getValue());
  }

  @Test
  void followSeesAppendedLinesAndEndsWhenTheContainerStops() throws Exception {
    Path log = fx.log("follow.log", "2026-01-01T10:00:00Z stdout F old");
    fx.pods.add("demo", "tail", "app", log, fx.runtime, fx.dir);
    StringBuffer seen = new StringBuffer();
    CompletableFuture<Integer> ended = new CompletableFuture<>();
    http.request(HttpMethod.GET, "/containerLogs/demo/tail/app?follow=true").compose(r -> r.send()
        .onSuccess(resp -> {
          resp.handler(b -> seen.append(b.toString(StandardCharsets.UTF_8)));
          resp.endHandler(v -> ended.complete(resp.statusCode()));
        })).onFailure(ended::completeExceptionally);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("old\n", seen.toString()));
    Files.writeString(log, "2026-01-01T10:00:05Z stdout F new one\n2026-01-01T10:00:06Z stdout P torn \n2026-01-01T10:00:06Z std",
        StandardOpenOption.APPEND);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("old\nnew one\n", seen.toString()));
    // rotation: the live file moves to .1 and a new one starts
    Files.writeString(log, "out F line\n", StandardOpenOption.APPEND);
    Files.move(log, log.resolveSibling("follow.log.1"));
    Files.writeString(log, "2026-01-01T10:00:07Z stderr F after rotation\n");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("old\nnew one\ntorn line\nafter rotation\n", seen.toString()));
    assertTrue(!ended.isDone(), "a follower of a running container keeps the stream open");
    Files.writeString(log, "2026-01-01T10:00:08Z stdout F last words\n", StandardOpenOption.APPEND);
    fx.pods.stop("demo", "tail", "app");
    assertEquals(200, ended.get(10, TimeUnit.SECONDS));
    assertEquals("old\nnew one\ntorn line\nafter rotation\nlast words\n", seen.toString());
  }

  @Test
  void execRunsTheCommandWithStdinAndReportsTheExitCode() throws Exception {
    var ws = fx.vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(fx.client.certificatePem())).setKeyValue(Buffer.buffer(fx.client.privateKeyPem()))));
    String uri = "/exec/demo/web/nginx?command=sh&command=-c&command="
        + java.net.URLEncoder.encode("echo out; echo err >&2; read x; echo got:$x; cat; exit 3", StandardCharsets.UTF_8)
        + "&stdin=true&stdout=true&stderr=true";
    Map<Integer, StringBuffer> channels = new ConcurrentHashMap<>();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    WebSocket socket = ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(fx.server.port())
        .setURI(uri).addSubProtocol("v5.channel.k8s.io")).onSuccess(s -> {
          s.binaryMessageHandler(b -> channels.computeIfAbsent((int) b.getByte(0), k -> new StringBuffer())
              .append(b.getString(1, b.length())));
          s.closeHandler(v -> closed.complete(s.closeStatusCode()));
        }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals("v5.channel.k8s.io", socket.subProtocol());
    socket.writeBinaryMessage(Buffer.buffer().appendByte((byte) 4).appendString("{\"Width\":80,\"Height\":24}"));
    socket.writeBinaryMessage(Buffer.buffer().appendByte((byte) 0).appendString("hello\nrest of input\n"));
    socket.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) 0xFF, 0}));
    assertEquals((short) 1000, closed.get(20, TimeUnit.SECONDS));
    assertEquals("out\ngot:hello\nrest of input\n", channels.get(1).toString());
    assertEquals("err\n", channels.get(2).toString());
    JsonNode status = Json.mapper().readTree(channels.get(3).toString());
    assertEquals("Failure", status.path("status").asText());
    assertEquals("NonZeroExitCode", status.path("reason").asText());
    assertEquals("3", status.path("details").path("causes").path(0).path("message").asText());
  }

  @Test
  void execWithoutWebSocketIsABadRequest() throws Exception {
    var r = get(http, "/exec/demo/web/nginx?command=ls&stdout=true");
    assertEquals(400, r.getKey());
    assertTrue(r.getValue().contains("SPDY is not supported"), r.getValue());
  }

  @Test
  void statsAndMetricsAnswer() throws Exception {
    var stats = get(http, "/stats/summary");
    assertEquals(200, stats.getKey());
    JsonNode doc = Json.mapper().readTree(stats.getValue());
    assertEquals("n1", doc.path("node").path("nodeName").asText());
    assertTrue(doc.path("node").path("memory").path("workingSetBytes").asLong() > 0, stats.getValue());
    assertTrue(doc.path("pods").size() >= 1);
    var metrics = get(http, "/metrics");
    assertEquals(200, metrics.getKey());
    assertTrue(metrics.getValue().contains("kubelet_http_requests_total"), metrics.getValue());
  }

}
