package io.jk.kubelet.server;

import io.jk.kubelet.testing.KubectlRun;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.kubelet.testing.KubeletHarness;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code kubectl} (1.32) attaching to real containers (jkshim, jkrt) through the API server's
 * {@code pods/attach} proxy and the kubelet's {@code /attach}: stdin pipes, terminals, {@code kubectl run
 * -i --rm}, output streaming, logs of a terminal.
 */
class KubectlAttachTest {

  private static KubeletHarness h;
  private static Vertx vertx;
  private static KubeletServer server;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is needed on the PATH");
    CertificateAuthority ca = CertificateAuthority.create("jk-attach-ca", Duration.ofDays(1));
    IssuedCertificate client = ca.issueClientCertificate("kube-apiserver-kubelet-client", List.of("system:masters"),
        Duration.ofDays(1));
    KubeletProxy.configure(new KubeletClientCredentials(client.certificatePem(), client.privateKeyPem(), null));
    h = new KubeletHarness(Duration.ofSeconds(1), false);
    dir = Files.createTempDirectory("jk-attach-test");
    Path caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, ca.certificatePem());
    Files.writeString(dir.resolve("tokens.csv"), "unused-token,nobody\n");
    int port;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    h.config = h.config.withPort(port); // the Node's kubelet endpoint, where the API server goes
    h.startKubelet();
    vertx = Vertx.vertx();
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", port, null, null, caFile,
        dir.resolve("tokens.csv"), dir.resolve("state")), h.kubelet().podContainers(), KubeletHarness.NODE);
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (server != null) {
        server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      if (h != null) {
        h.close();
      }
    } finally {
      KubeletProxy.closeAll();
      KubeletProxy.configure(null);
      if (dir != null) {
        try (var s = Files.walk(dir)) {
          s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static Container stdio(Container c, boolean stdin, boolean once, boolean tty) {
    c.setStdin(stdin);
    c.setStdinOnce(once);
    c.setTty(tty);
    return c;
  }

  private static void runPod(String name, Container c) {
    h.client().pods().resource(pod(name, "Never", c).build()).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(h.get(name).getStatus().getPhase()));
  }

  /** kubectl with its stdin fed from {@code input} (then closed), stdout and stderr collected. */
  private static KubectlRun kubectl(String input, String... args) throws Exception {
    return KubectlRun.run(h.api.kubeconfig(), "default", input, Duration.ofSeconds(60), args);
  }

  @Test
  void attachWithStdinEchoesWhatIsTypedAndStdinOnceEndsIt() throws Exception {
    runPod("cat", stdio(sh("cat", "while read l; do echo \"echo: $l\"; done; echo stdin-ended"), true, true, false));
    KubectlRun r = kubectl("one\ntwo\n", "attach", "-i", "cat");
    assertEquals(0, r.code(), r.err());
    assertEquals("echo: one\necho: two\nstdin-ended\n", r.out(), r.err());
    await().atMost(Duration.ofSeconds(20)).until(() -> "Succeeded".equals(h.get("cat").getStatus().getPhase()));
  }

  @Test
  void aShellOnATerminalRunsWhatIsTypedAndItsExitEndsTheSession() throws Exception {
    runPod("shell", stdio(sh("sh", "exec sh"), true, true, true));
    // kubectl's stdin is no terminal here: it says so, and the container's terminal still carries everything
    KubectlRun r = kubectl("echo from-the-$((20+22))-shell; tty; exit 3\n", "attach", "-i", "shell");
    assertEquals(0, r.code(), r.err()); // attach reports no exit code (Kubernetes' kubelet neither)
    assertTrue(r.out().contains("from-the-42-shell\r\n"), r.out());
    assertTrue(r.out().contains("/dev/pts/0\r\n"), r.out());
    await().atMost(Duration.ofSeconds(20)).until(() -> "Failed".equals(h.get("shell").getStatus().getPhase()));
    var terminated = h.get("shell").getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertEquals(3, terminated.getExitCode());
    // the terminal's output is the container's log, as stdout
    KubectlRun logs = kubectl(null, "logs", "shell");
    assertEquals(0, logs.code(), logs.err());
    assertTrue(logs.out().contains("from-the-42-shell"), logs.out());
  }

  @Test
  void kubectlRunInteractiveRemovesThePodAfterwards() throws Exception {
    KubectlRun r = kubectl("world\n", "run", "-i", "--rm", "--restart=Never", "--image=busybox:1.36",
        "--overrides={\"spec\":{\"nodeName\":\"" + KubeletHarness.NODE + "\"}}", "tmp", "--", "sh", "-c", "read x; echo got $x");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("got world"), r.out() + r.err());
    assertTrue(r.out().contains("pod \"tmp\" deleted") || r.err().contains("pod \"tmp\" deleted"), r.out() + r.err());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertNull(h.get("tmp")));
  }

  @Test
  void kubectlRunWithATerminalReportsTheExitCode() throws Exception {
    KubectlRun r = kubectl("read x; echo got $x; exit 4\nworld\n", "run", "-it", "--rm", "--restart=Never",
        "--image=busybox:1.36", "--overrides={\"spec\":{\"nodeName\":\"" + KubeletHarness.NODE + "\"}}", "tty", "--", "sh");
    assertEquals(4, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("got world"), r.out() + r.err());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertNull(h.get("tty")));
  }

  @Test
  void resizeFramesReachTheTerminalOverTheV4Protocol() throws Exception {
    runPod("sizer", stdio(sh("sh", "exec sh"), true, false, true));
    var client = vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false));
    StringBuffer out = new StringBuffer();
    java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();
    var ws = client.connect(new io.vertx.core.http.WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port())
        .setURI("/attach/default/sizer/sh?stdin=true&stdout=true&tty=true").addSubProtocol("v4.channel.k8s.io")
        .addHeader("Authorization", "Bearer unused-token")).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    ws.binaryMessageHandler(b -> {
      if (b.getByte(0) == 1) {
        out.append(b.getString(1, b.length()));
      }
    });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 4).appendString("{\"Width\":101,\"Height\":33}"));
    ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendString("stty size; exit\n"));
    assertEquals((short) 1000, closed.get(20, TimeUnit.SECONDS));
    assertTrue(out.toString().contains("33 101\r\n"), out.toString());
  }

  @Test
  void attachWithoutStdinStreamsNewOutput() throws Exception {
    runPod("ticker", sh("tick", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"));
    List<String> cmd = List.of("kubectl", "--kubeconfig", h.api.kubeconfig().toString(), "-n", "default", "attach", "ticker");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuffer seen = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        byte[] b = new byte[4096];
        for (int n; (n = in.read(b)) > 0; ) {
          seen.append(new String(b, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // ended
      }
    });
    reader.start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> seen.toString().split("tick ").length > 10);
      String first = seen.toString();
      assertTrue(!first.contains("tick 0\n"), "only lines printed after attaching: " + first);
      assertTrue(p.isAlive(), "attach follows the running container");
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
      reader.join(5000);
    }
  }

  @Test
  void aShimThatCannotAttachIsReportedAsTheReason() throws Exception {
    runPod("noattach", sh("main", "sleep 60"));
    String uid = h.get("noattach").getMetadata().getUid();
    Files.delete(h.root.resolve("pods").resolve(uid).resolve("containers").resolve("main").resolve("0").resolve("attach.sock"));
    KubectlRun r = kubectl(null, "attach", "noattach");
    assertTrue(r.code() != 0, r.out());
    assertTrue(r.err().contains("error attaching to container"), r.err());
  }

  @Test
  void attachToAFinishedPodIsRefused() throws Exception {
    h.client().pods().resource(pod("done", "Never", sh("main", "echo bye")).build()).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> "Succeeded".equals(h.get("done").getStatus().getPhase()));
    KubectlRun r = kubectl(null, "attach", "done");
    assertTrue(r.code() != 0, r.out());
    assertTrue(r.err().contains("cannot attach a container in a completed pod"), r.err());
  }
}
