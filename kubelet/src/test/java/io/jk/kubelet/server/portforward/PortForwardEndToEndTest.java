package io.jk.kubelet.server.portforward;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.kubelet.server.ContainerHandle;
import io.jk.kubelet.server.KubeletServer;
import io.jk.kubelet.server.KubeletServerConfig;
import io.jk.kubelet.server.PodContainers;
import io.jk.kubelet.server.portforward.spdy.SpdyFrame;
import io.jk.kubelet.server.portforward.spdy.SpdyFramer;
import io.jk.kubelet.server.portforward.spdy.SpdyProtocolException;
import io.jk.kubelet.testing.KubeletHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl port-forward} (1.32: SPDY tunnelled in WebSocket) and fabric8's
 * {@code portForward} (v4 channels) through the API server to a real kubelet and a busybox pod
 * serving HTTP on its own loopback: answers come back, connections run side by side, a port
 * nothing listens on gives kubectl's error and the forward goes on, and ending kubectl leaves no
 * relay process behind.
 */
class PortForwardEndToEndTest {

  private static KubeletHarness h;
  private static Vertx vertx;
  private static KubeletServer server;
  private static IssuedCertificate apiClient;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers and entering a pod's network namespace need root");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is needed");
    Assumptions.assumeTrue(Files.isExecutable(KubeletHarness.runtimeBin().resolve(PortForwardHandler.RELAY_NAME)),
        "the runtime module's jkportfwd must be built");
    CertificateAuthority ca = CertificateAuthority.create("jk-pf-test-ca", Duration.ofDays(1));
    apiClient = ca.issueClientCertificate(KubeletClientCredentials.USER, List.of("system:masters"),
        Duration.ofDays(1));
    // before the harness makes its API server, whose kubelet proxy takes these credentials
    KubeletProxy.configure(new KubeletClientCredentials(apiClient.certificatePem(), apiClient.privateKeyPem(), null));
    h = new KubeletHarness(Duration.ofSeconds(1), false);
    vertx = Vertx.vertx();
    Path caFile = h.root.resolve("kubelet-client-ca.crt");
    Files.writeString(caFile, ca.certificatePem());
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", 0, null, null, caFile, null,
        h.root.resolve("pki")), new LatePods(), KubeletHarness.NODE);
    server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    h.config = h.config.withPort(server.port());
    h.startKubelet();
    h.client().pods().resource(pod("web", "Always", sh("httpd",
        "mkdir -p /www && echo hello-from-pod > /www/index.html; trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait"),
        sh("echo", "trap 'exit 0' TERM; nc -ll -p 7000 -e cat & wait")).build()).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Pod p = h.get("web");
      return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
    });
  }

  @AfterAll
  static void stop() throws Exception {
    KubeletProxy.configure(null);
    try {
      if (h != null) {
        h.close();
      }
    } finally {
      if (server != null) {
        server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The kubelet's pod view, there once the kubelet has started. */
  private static final class LatePods implements PodContainers {
    @Override
    public Optional<ContainerHandle> find(String namespace, String podName, String containerName, boolean previous) {
      return h.kubelet() == null ? Optional.empty() : h.kubelet().podContainers().find(namespace, podName, containerName,
          previous);
    }

    @Override
    public List<Pod> pods() {
      return h.kubelet() == null ? List.of() : h.kubelet().podContainers().pods();
    }
  }

  @Test
  void kubectlPortForwardServesConcurrentConnectionsAndEndsCleanlyOnSigterm() throws Exception {
    int web = freePort();
    Forward kubectl = forward(web + ":80");
    try {
      String answer;
      try {
        answer = get(web);
      } catch (IOException e) {
        throw new AssertionError("no answer through kubectl: " + kubectl.err.text(), e);
      }
      assertTrue(answer.startsWith("HTTP/1.") && answer.contains("hello-from-pod"), answer + kubectl.err.text());

      // two connections at once: the first stays open while the second is served
      try (Socket first = new Socket(InetAddress.getLoopbackAddress(), web);
          Socket second = new Socket(InetAddress.getLoopbackAddress(), web)) {
        first.getOutputStream().write("GET /index.html HTTP/1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        second.getOutputStream().write(request());
        assertTrue(readAll(second).contains("hello-from-pod"));
        first.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readAll(first).contains("hello-from-pod"));
      }
      // an open connection when kubectl is stopped: its relay must go too
      Socket idle = new Socket(InetAddress.getLoopbackAddress(), web);
      await().atMost(Duration.ofSeconds(10)).until(() -> relayPids().size() == 1);
      kubectl.process.destroy(); // SIGTERM, as Ctrl-C
      assertTrue(kubectl.process.waitFor(10, TimeUnit.SECONDS), "kubectl ends on SIGTERM");
      idle.close();
    } finally {
      kubectl.process.destroyForcibly();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(), relayPids(),
        "no relay process is left"));
  }

  /** A MiB each way, byte for byte; the client's half-close reaches the pod (cat ends on it). */
  @Test
  void largeTransfersBothWaysAndHalfClose() throws Exception {
    int echo = freePort();
    Forward kubectl = forward(echo + ":7000");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), echo)) {
      byte[] payload = new byte[1 << 20];
      new java.util.Random(42).nextBytes(payload);
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(payload);
          s.shutdownOutput();
        } catch (IOException e) {
          // the read side reports it
        }
      });
      writer.start();
      s.setSoTimeout(20_000);
      byte[] back = s.getInputStream().readAllBytes();
      writer.join(10_000);
      assertEquals(payload.length, back.length, kubectl.err.text());
      assertArrayEquals(payload, back);
    } finally {
      kubectl.process.destroy();
      assertTrue(kubectl.process.waitFor(10, TimeUnit.SECONDS));
    }
  }

  /**
   * Since kubectl 1.23 (kubernetes#103526) a forwarded connection's error makes kubectl print it and
   * drop the whole forward ("lost connection to pod"), against Kubernetes as against jk; other
   * forwards to the pod go on.
   */
  @Test
  void aPortNothingListensOnGivesKubectlsError() throws Exception {
    int web = freePort();
    int closed = freePort();
    Forward other = forward(web + ":80");
    Forward failing = forward(closed + ":81");
    try {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), closed)) {
        s.getOutputStream().write(request());
        assertEquals("", readAll(s), "nothing listens on 81: the connection just ends");
      }
      assertTrue(failing.process.waitFor(20, TimeUnit.SECONDS), "kubectl drops the forward: " + failing.err.text());
      assertTrue(failing.err.text().contains("an error occurred forwarding " + closed + " -> 81: error forwarding port 81"
          + " to pod default/web, uid "), failing.err.text());
      assertTrue(failing.err.text().contains("dial tcp4 127.0.0.1:81: connect: connection refused"), failing.err.text());
      assertTrue(failing.err.text().contains("lost connection to pod"), failing.err.text());
      assertTrue(other.process.isAlive(), "the other forward keeps running");
      assertTrue(get(web).contains("hello-from-pod"), "and serving");
    } finally {
      other.process.destroy();
      failing.process.destroy();
      assertTrue(other.process.waitFor(10, TimeUnit.SECONDS));
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(), relayPids(),
        "no relay process is left"));
  }

  private record Forward(Process process, Output out, Output err) {}

  /** {@code kubectl port-forward pod/web MAPPING}, once it listens. */
  private static Forward forward(String mapping, String... env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("kubectl", "--kubeconfig", h.api.kubeconfig().toString(), "port-forward",
        "--address", "127.0.0.1", "pod/web", mapping);
    for (int i = 0; i < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    Process p = pb.start();
    Forward f = new Forward(p, new Output(p.getInputStream()), new Output(p.getErrorStream()));
    String local = mapping.substring(0, mapping.indexOf(':'));
    String remote = mapping.substring(mapping.indexOf(':') + 1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(
        f.out.text().contains("Forwarding from 127.0.0.1:" + local + " -> " + remote), f.out.text() + f.err.text()));
    return f;
  }

  /** The legacy raw SPDY upgrade (kubectl before 1.31) gets a clear refusal, not a hang. */
  @Test
  void kubectlsLegacySpdyUpgradeIsRefusedClearly() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("kubectl", "--kubeconfig", h.api.kubeconfig().toString(), "port-forward",
        "--address", "127.0.0.1", "pod/web", freePort() + ":80");
    pb.environment().put("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false");
    Process p = pb.start();
    Output err = new Output(p.getErrorStream());
    try {
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "kubectl gives up: " + err.text());
      assertTrue(p.exitValue() != 0);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(
          err.text().contains("the raw SPDY/3.1 upgrade is not supported"), err.text()));
    } finally {
      p.destroyForcibly();
    }
  }

  /** The kubelet's SPDY server, spoken to directly: PINGs are echoed, a stream without a request id is reset. */
  @Test
  void spdyPingsAndMalformedStreams() throws Exception {
    var client = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(apiClient.certificatePem()))
            .setKeyValue(Buffer.buffer(apiClient.privateKeyPem()))));
    var ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port())
            .setURI("/portForward/default/web").addSubProtocol(PortForwardHandler.SPDY_TUNNEL_PROTOCOL))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    SpdyFramer framer = new SpdyFramer();
    BlockingQueue<SpdyFrame> got =
        new LinkedBlockingQueue<>();
    ws.binaryMessageHandler(b -> {
      try {
        got.addAll(framer.feed(b.getBytes()));
      } catch (SpdyProtocolException e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      ws.writeBinaryMessage(Buffer.buffer(framer.encode(
          new SpdyFrame.Ping(7))));
      assertEquals(new SpdyFrame.Ping(7), got.poll(10, TimeUnit.SECONDS));
      ws.writeBinaryMessage(Buffer.buffer(framer.encode(
          new SpdyFrame.SynStream(1, 0, 0, false, false,
              Map.of("streamtype", "data", "port", "80")))));
      assertEquals(new SpdyFrame.SynReply(1, false, Map.of()),
          got.poll(10, TimeUnit.SECONDS));
      assertEquals(new SpdyFrame.RstStream(1,
          SpdyFrame.RstStream.PROTOCOL_ERROR), got.poll(10, TimeUnit.SECONDS));
    } finally {
      ws.close();
      client.close();
    }
  }

  @Test
  void fabric8PortForwardRoundTrip() throws Exception {
    try (LocalPortForward pf = h.client().pods().inNamespace("default").withName("web").portForward(80)) {
      assertTrue(get(pf.getLocalPort()).contains("hello-from-pod"));
      assertTrue(get(pf.getLocalPort()).contains("hello-from-pod"), "each connection is its own forward");
    }
    try (LocalPortForward closed = h.client().pods().inNamespace("default").withName("web").portForward(81)) {
      assertEquals("", get(closed.getLocalPort()), "nothing listens on 81: the connection just ends");
      await().atMost(Duration.ofSeconds(10)).until(closed::errorOccurred);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(), relayPids(),
        "no relay process is left"));
  }

  private static byte[] request() {
    return "GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  }

  private static String get(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(request());
      return readAll(s);
    }
  }

  private static String readAll(Socket s) throws IOException {
    s.setSoTimeout(20_000);
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Pids of this build's relay processes still running. */
  private static List<Long> relayPids() throws IOException {
    String relay = KubeletHarness.runtimeBin().resolve(PortForwardHandler.RELAY_NAME).toString();
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = Files.readString(p.resolve("cmdline"));
          if (cmd.startsWith(relay + "\0")) {
            out.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return out;
  }

  /** Collects a process's output as it comes. */
  private static final class Output {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Output(InputStream in) {
      Thread t = new Thread(() -> {
        byte[] b = new byte[4096];
        int n;
        try {
          while ((n = in.read(b)) > 0) {
            synchronized (buf) {
              buf.write(b, 0, n);
            }
          }
        } catch (IOException e) {
          // the process ended
        }
      });
      t.setDaemon(true);
      t.start();
    }

    String text() {
      synchronized (buf) {
        return buf.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
