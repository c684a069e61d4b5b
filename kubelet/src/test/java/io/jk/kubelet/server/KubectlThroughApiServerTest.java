package io.jk.kubelet.server;

import io.jk.kubelet.testing.KubectlRun;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.testing.TestApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code kubectl} (1.32) through the API server's {@code pods/log} and {@code pods/exec}
 * proxy to a {@link KubeletServer} on loopback, with the API server's client certificate.
 */
class KubectlThroughApiServerTest {

  private static KubeletServerFixture fx;
  private static TestApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is needed on the PATH");
    fx = new KubeletServerFixture();
    KubeletProxy.configure(new KubeletClientCredentials(fx.client.certificatePem(), fx.client.privateKeyPem(), null));
    api = TestApiServer.start(c -> c.withTls(o -> o.setWebSocketSubProtocols(KubeletServer.EXEC_PROTOCOLS)));
    client = api.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("demo").endMetadata().build()).create();
    node("n1", fx.server.port());
    node("gone", freePort());
    Path log = fx.log("web.log", "2026-01-01T10:00:00Z stdout F hello from web",
        "2026-01-01T10:00:01Z stderr F an error line");
    fx.pods.add("demo", "web", "nginx", log, fx.runtime, fx.dir);
    pod("web", "n1", true);
    pod("elsewhere", "gone", true);
    pod("pending", "n1", false);
  }

  @AfterAll
  static void stop() throws Exception {
    KubeletProxy.closeAll();
    KubeletProxy.configure(null);
    if (api != null) {
      api.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void node(String name, int port) {
    Node n = client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
        .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(port).endKubeletEndpoint().endDaemonEndpoints()
        .build());
    client.nodes().resource(n).updateStatus();
  }

  private static void pod(String name, String nodeName, boolean running) {
    Pod p = client.pods().inNamespace("demo").resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNodeName(nodeName).addNewContainer().withName("nginx").withImage("busybox").endContainer()
        .endSpec().build()).create();
    var status = new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(running ? "Running" : "Pending")
        .addNewContainerStatus().withName("nginx").withImage("busybox").withReady(running).withRestartCount(0)
        .withNewState();
    p.setStatus((running ? status.withNewRunning().withStartedAt("2026-01-01T10:00:00Z").endRunning()
        : status.withNewWaiting().withReason("ContainerCreating").endWaiting()).endState().endContainerStatus().build());
    client.pods().inNamespace("demo").resource(p).updateStatus();
  }

  private static Process kubectl(String... args) throws IOException {
    return KubectlRun.start(api.kubeconfig(), "demo", args);
  }

  private static KubectlRun run(String stdin, String... args) throws Exception {
    return KubectlRun.run(api.kubeconfig(), "demo", stdin, Duration.ofSeconds(30), args);
  }

  @Test
  void kubectlLogsPrintsTheContainersLog() throws Exception {
    KubectlRun r = run(null, "logs", "web");
    assertEquals(0, r.code(), r.err());
    assertEquals("hello from web\nan error line\n", r.out());
    KubectlRun tail = run(null, "logs", "web", "--tail=1", "--timestamps");
    assertEquals("2026-01-01T10:00:01Z an error line\n", tail.out(), tail.err());
  }

  @Test
  void kubectlLogsFollowStreamsUntilTheContainerEnds() throws Exception {
    Path log = fx.log("follow.log", "2026-01-01T10:00:00Z stdout F old");
    fx.pods.add("demo", "follower", "nginx", log, fx.runtime, fx.dir);
    pod("follower", "n1", true);
    Process p = kubectl("logs", "-f", "follower");
    StringBuffer seen = new StringBuffer();
    Thread reader = new Thread(() -> {
      try (InputStream in = p.getInputStream()) {
        byte[] b = new byte[256];
        int n;
        while ((n = in.read(b)) > 0) {
          seen.append(new String(b, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // ended
      }
    });
    reader.start();
    try {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals("old\n", seen.toString()));
      Files.writeString(log, "2026-01-01T10:00:02Z stdout F new\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals("old\nnew\n", seen.toString()));
      assertTrue(p.isAlive(), "kubectl logs -f keeps following a running container");
      fx.pods.stop("demo", "follower", "nginx");
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), "kubectl logs -f ends when the container ends");
      assertEquals(0, p.exitValue());
    } finally {
      p.destroyForcibly();
      reader.join(5000);
    }
  }

  @Test
  void kubectlExecReportsTheExitCode() throws Exception {
    KubectlRun r = run(null, "exec", "web", "--", "sh", "-c", "echo on-stdout; echo on-stderr >&2; exit 3");
    assertEquals(3, r.code(), r.err());
    assertEquals("on-stdout\n", r.out());
    assertTrue(r.err().contains("on-stderr"), r.err());
    assertTrue(r.err().contains("command terminated with exit code 3"), r.err());
    KubectlRun ok = run(null, "exec", "web", "--", "true");
    assertEquals(0, ok.code(), ok.err());
  }

  @Test
  void kubectlExecWithStdin() throws Exception {
    KubectlRun r = run("line one\nline two\n", "exec", "-i", "web", "--", "sh", "-c", "cat; echo done");
    assertEquals(0, r.code(), r.err());
    assertEquals("line one\nline two\ndone\n", r.out());
  }

  @Test
  void errorsAreKubernetesStatuses() throws Exception {
    KubectlRun pending = run(null, "logs", "pending");
    assertTrue(pending.code() != 0);
    assertTrue(pending.err().contains("container \"nginx\" in pod \"pending\" is waiting to start: ContainerCreating"),
        pending.err());
    KubectlRun missing = run(null, "logs", "nope");
    assertTrue(missing.err().contains("pods \"nope\" not found"), missing.err());
    KubectlRun down = run(null, "logs", "elsewhere");
    assertTrue(down.code() != 0);
    assertTrue(down.err().contains("connect: connection refused"), down.err());
    KubectlRun execDown = run(null, "exec", "elsewhere", "--", "true");
    assertTrue(execDown.code() != 0);
    assertTrue(execDown.err().contains("connection refused"), execDown.err());
  }
}
