package io.jk.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.common.client.Clients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jk agent} on another "machine": a network namespace this test creates, linked to the
 * host by a veth pair on a private /30. The server listens only on the host end; the agent in
 * the namespace joins with the token and the CA hash, its kubelet registers the Node (Ready, with
 * the namespace's address), and its node credential may change its own Node but not another one,
 * nor a pod bound elsewhere (403). Root only; the agent is stopped, the namespace (and with it
 * the veth pair and anything the proxy programmed) is removed afterwards.
 */
class AgentNetnsTest {

  @TempDir
  Path dir;

  private String netns;
  private String hostIp;
  private String hostLink;
  private String nsIp;

  @BeforeEach
  void createNamespace() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
    int id = ThreadLocalRandom.current().nextInt(1, 60);
    netns = "jkdeploy" + ProcessHandle.current().pid() + "x" + id;
    hostLink = "jkd" + ProcessHandle.current().pid() % 100000 + "h" + id;
    String nsLink = "jkd" + ProcessHandle.current().pid() % 100000 + "n" + id;
    int octet = ThreadLocalRandom.current().nextInt(0, 63) * 4;
    hostIp = "10.253." + id + "." + (octet + 1);
    nsIp = "10.253." + id + "." + (octet + 2);
    run("ip", "netns", "add", netns);
    run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", nsLink);
    run("ip", "link", "set", nsLink, "netns", netns);
    run("ip", "addr", "add", hostIp + "/30", "dev", hostLink);
    run("ip", "link", "set", hostLink, "up");
    run("ip", "netns", "exec", netns, "ip", "addr", "add", nsIp + "/30", "dev", nsLink);
    run("ip", "netns", "exec", netns, "ip", "link", "set", nsLink, "up");
    run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
  }

  @AfterEach
  void removeNamespace() throws Exception {
    if (netns != null) {
      new ProcessBuilder("ip", "link", "del", hostLink).start().waitFor(10, TimeUnit.SECONDS);
      run("ip", "netns", "del", netns);
    }
  }

  @Test
  void agentInANamespaceJoinsRunsItsKubeletAndGetsOnlyANodeCredential() throws Exception {
    try (JkProcess server = JkProcess.server(dir.resolve("server"), "--bind-address", hostIp,
        "--advertise-address", hostIp).awaitReady()) {
      assertTrue(server.serverUrl().startsWith("https://" + hostIp + ":"), server.stdout());
      Path agentDir = dir.resolve("agent");
      try (JkProcess agent = JkProcess.startWithPrefix(List.of("nsenter", "--net=/var/run/netns/" + netns), "agent",
          "--server", server.serverUrl(), "--token", server.token(), "--ca-cert-hash", server.caCertHash(),
          "--node-name", "ns-node", "--node-ip", nsIp, "--data-dir", agentDir.toString(),
          "--kubelet-root-dir", dir.resolve("kubelet").toString());
          KubernetesClient admin = Clients.fromKubeconfig(dir.resolve("server/admin.kubeconfig"))) {
        // the agent's kubelet registers its Node with the node credential, and it becomes Ready
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          assertTrue(agent.process().isAlive(), agent.stderr());
          io.fabric8.kubernetes.api.model.Node n = admin.nodes().withName("ns-node").get();
          assertTrue(n != null && n.getStatus().getConditions().stream()
              .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")), "ns-node not Ready yet");
        });
        assertTrue(agent.stdout().contains("joined " + server.serverUrl() + " as system:node:ns-node"), agent.stdout());
        assertEquals(nsIp, admin.nodes().withName("ns-node").get().getStatus().getAddresses().stream()
            .filter(a -> a.getType().equals("InternalIP")).findFirst().orElseThrow().getAddress());
        checkNodeCredential(admin, agentDir);
      }
    }
  }

  /** The agent's credential may change its own Node, but not another Node nor a pod bound elsewhere. */
  private static void checkNodeCredential(KubernetesClient admin, Path agentDir) throws Exception {
    try (KubernetesClient node = Clients.fromKubeconfig(agentDir.resolve("kubelet.kubeconfig"))) {
      admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("other").endMetadata().build()).create();
      admin.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("elsewhere").endMetadata()
          .withNewSpec().withNodeName("other").addNewContainer().withName("c").withImage("busybox").endContainer()
          .endSpec().build()).create();

      node.nodes().withName("ns-node").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("mine", "yes").endMetadata().build());
      assertEquals(403, assertThrows(KubernetesClientException.class, () -> node.nodes().withName("other")
          .edit(n -> new NodeBuilder(n).editMetadata().addToLabels("x", "y").endMetadata().build())).getCode());
      assertEquals(403, assertThrows(KubernetesClientException.class, () -> node.nodes().withName("other").delete())
          .getCode());
      assertEquals(403, assertThrows(KubernetesClientException.class, () ->
          node.pods().inNamespace("default").withName("elsewhere").delete()).getCode());
      assertEquals("other", admin.pods().inNamespace("default").withName("elsewhere").get().getSpec().getNodeName());
    }
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
