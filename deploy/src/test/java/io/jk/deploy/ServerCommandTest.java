package io.jk.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.common.client.Clients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jk server --disable-agent} as a user runs it: a child process on a free port, driven
 * with the real {@code kubectl} and with the credential a joining node obtains.
 */
class ServerCommandTest {

  @TempDir
  static Path dir;

  static JkProcess server;

  @BeforeAll
  static void startServer() throws IOException {
    server = JkProcess.server(dir.resolve("server")).awaitReady();
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void adminKubeconfigWorksWithKubectl() throws Exception {
    Path kubeconfig = dir.resolve("server/admin.kubeconfig");
    assertTrue(server.stdout().contains("export KUBECONFIG=" + kubeconfig.toAbsolutePath()), server.stdout());
    Process kubectl = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "get", "ns")
        .redirectErrorStream(true).start();
    assertTrue(kubectl.waitFor(30, TimeUnit.SECONDS), "kubectl hung");
    String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, kubectl.exitValue(), out);
    assertTrue(out.contains("kube-system") && out.contains("default"), out);
  }

  @Test
  void examplesApplyUnchangedWithKubectl() throws Exception {
    String kubeconfig = dir.resolve("server/admin.kubeconfig").toString();
    try (KubernetesClient admin = Clients.fromKubeconfig(Path.of(kubeconfig))) {
      admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
          .withNewMetadata().withName("examples").endMetadata().build()).create();
    }
    String examples = Path.of("..", "examples").toString();
    Kubectl apply = kubectl(kubeconfig, "apply", "-n", "examples", "-f", examples);
    assertEquals(0, apply.code(), apply.out());
    for (String created : new String[] {"configmap/web-page created", "deployment.apps/web created", "service/web created",
        "job.batch/count created", "daemonset.apps/node-reporter created", "statefulset.apps/counter created"}) {
      assertTrue(apply.out().contains(created), apply.out());
    }
    Kubectl again = kubectl(kubeconfig, "apply", "-n", "examples", "-f", examples);
    assertEquals(0, again.code(), again.out());
    assertTrue(again.out().contains("deployment.apps/web unchanged"), again.out());
  }

  /** What a kubectl run printed (stdout and stderr) and its exit code. */
  record Kubectl(int code, String out) {}

  private static Kubectl kubectl(String kubeconfig, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("kubectl", "--kubeconfig", kubeconfig));
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kubectl hung");
    return new Kubectl(p.exitValue(), out);
  }

  @Test
  void controllersRunInTheServer() throws Exception {
    try (KubernetesClient admin = Clients.fromKubeconfig(dir.resolve("server/admin.kubeconfig"))) {
      admin.apps().deployments().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("web").withImage("busybox").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      // the controller-manager in the same process makes the ReplicaSet and its two pods
      await().atMost(Duration.ofSeconds(30)).until(() ->
          admin.pods().inNamespace("default").withLabel("app", "web").list().getItems().size() == 2);
    }
  }

  @Test
  void joinedNodeMayTouchOnlyItsOwnNodeAndPods() throws Exception {
    Path nodeKubeconfig = dir.resolve("agent-n1/kubelet.kubeconfig");
    int rc = JkCommand.commandLine().execute("agent", "--server", server.serverUrl(), "--token", server.token(),
        "--ca-cert-hash", server.caCertHash(), "--node-name", "n1", "--data-dir", dir.resolve("agent-n1").toString(),
        "--join-only");
    assertEquals(0, rc);
    assertTrue(Files.exists(nodeKubeconfig));
    try (KubernetesClient admin = Clients.fromKubeconfig(dir.resolve("server/admin.kubeconfig"));
        KubernetesClient n1 = Clients.fromKubeconfig(nodeKubeconfig)) {
      admin.nodes().resource(node("n2")).create();
      admin.pods().inNamespace("default").resource(pod("on-n2", "n2")).create();
      admin.pods().inNamespace("default").resource(pod("on-n1", "n1")).create();

      // its own Node and its own pods: allowed
      n1.nodes().resource(node("n1")).create();
      n1.nodes().withName("n1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("mine", "yes").endMetadata().build());
      assertEquals("n1", n1.pods().inNamespace("default").withName("on-n1").get().getSpec().getNodeName());

      // another Node and a pod bound elsewhere: 403
      KubernetesClientException node = assertThrows(KubernetesClientException.class, () ->
          n1.nodes().withName("n2").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("stolen", "yes").endMetadata().build()));
      assertEquals(403, node.getCode());
      KubernetesClientException pod = assertThrows(KubernetesClientException.class, () ->
          n1.pods().inNamespace("default").withName("on-n2").delete());
      assertEquals(403, pod.getCode());
      assertEquals(null, admin.nodes().withName("n2").get().getMetadata().getLabels() == null ? null
          : admin.nodes().withName("n2").get().getMetadata().getLabels().get("stolen"));
    }
  }

  @Test
  void joinEndpointAnswersBadRequestsWithAStatus() throws Exception {
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(tls).build();
    for (String[] c : new String[][] {
        {"not json", "400", "not JSON"},
        {"{\"token\": \"" + server.token() + "\"}", "400", "nodeName"},
        {"{\"token\": \"" + server.token() + "\", \"nodeName\": \"Bad_Name\"}", "400", "invalid node name"},
        {"{\"token\": \"abcdef.0123456789abcdef\", \"nodeName\": \"n5\"}", "401", "invalid or expired join token"}}) {
      java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(server.serverUrl() + "/jk/v1/join")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(c[0]))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(Integer.parseInt(c[1]), r.statusCode(), r.body());
      assertTrue(r.body().contains("\"kind\":\"Status\"") && r.body().contains(c[2]), r.body());
    }
  }

  @Test
  void wrongJoinTokenIsRefused() {
    int rc = JkCommand.commandLine().execute("agent", "--server", server.serverUrl(), "--token", "abcdef.0123456789abcdef",
        "--node-name", "n3", "--data-dir", dir.resolve("agent-n3").toString(), "--join-only");
    assertEquals(1, rc);
    assertTrue(Files.notExists(dir.resolve("agent-n3/kubelet.kubeconfig")));
  }

  @Test
  void joinRefusesAServerWithAnotherCa() {
    int rc = JkCommand.commandLine().execute("agent", "--server", server.serverUrl(), "--token", server.token(),
        "--ca-cert-hash", "sha256:" + "0".repeat(64), "--node-name", "n4",
        "--data-dir", dir.resolve("agent-n4").toString(), "--join-only");
    assertEquals(1, rc);
    assertTrue(Files.notExists(dir.resolve("agent-n4/kubelet.kubeconfig")));
  }

  private static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
  }

  private static Pod pod(String name, String nodeName) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNodeName(nodeName).addNewContainer().withName("c").withImage("busybox").endContainer()
        .endSpec().build();
  }
}
