package io.jk.deploy.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.proxy.HostCommands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 2-node lab comes up with the components on the class path, and down leaves nothing behind. */
class LabTest {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private final HostCommands host = new HostCommands(null);

  @Test
  void namesGiveDistinctSubnetsAndBadNamesAreRefused() {
    assertNotEquals(Lab.subnet("a"), Lab.subnet("b"));
    assertTrue(Lab.subnet("lab").matches("172\\.2[0-3]\\.\\d+"));
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new Lab("Bad_Name", Path.of("/tmp/x"), System.out));
    assertTrue(e.getMessage().contains("lab name"));
  }

  @Test
  void twoNodeLabComesUpAndDownLeavesNothing(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(ROOT, "needs root: network namespaces, bridge, nftables");
    String name = "t" + ProcessHandle.current().pid() % 100000;
    String routesBefore = host.ip("route");
    String nftBefore = host.run(null, "nft", "list", "ruleset");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Lab lab = new Lab(name, dir.resolve("lab"), new PrintStream(printed, true, StandardCharsets.UTF_8));
    List<Long> pids = new ArrayList<>();
    LabState s;
    try {
      s = lab.up(2);
      assertTrue(printed.toString(StandardCharsets.UTF_8).contains("export KUBECONFIG=" + lab.kubeconfig()));
      assertTrue(Files.exists(Path.of("/sys/class/net/jkbr-" + name)));
      pids.add(s.serverPid);
      s.nodes.forEach(n -> pids.addAll(n.pids.values()));
      for (LabState.Node n : s.nodes) {
        assertTrue(Files.exists(Path.of("/run/netns", n.netns)));
        // The proxy programs its table inside the node's namespace.
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertTrue(
            host.run(null, "ip", "netns", "exec", n.netns, "nft", "list", "tables").contains("jk-proxy")));
      }
      try (KubernetesClient client = Clients.fromKubeconfig(lab.kubeconfig())) {
        assertFalse(client.namespaces().list().getItems().isEmpty(), "the API server answers on the lab kubeconfig");
        if (kubeletRunnable()) {
          await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            List<Node> nodes = client.nodes().list().getItems();
            assertEquals(2, nodes.stream().filter(LabTest::ready).count(), "both lab nodes Ready");
          });
        }
      }
      lab.partition(s.nodes.get(1).name, true);
      assertTrue(host.ip("link", "show", s.nodes.get(1).vethHost).contains("state DOWN"));
      lab.partition(s.nodes.get(1).name, false);
      ByteArrayOutputStream status = new ByteArrayOutputStream();
      new Lab(name, dir.resolve("lab"), new PrintStream(status, true, StandardCharsets.UTF_8)).status();
      assertTrue(status.toString(StandardCharsets.UTF_8).contains(s.nodes.get(0).name));
    } finally {
      lab.down();
    }
    for (long pid : pids) {
      assertFalse(Lab.alive(pid), "process " + pid + " ended");
    }
    assertFalse(Files.exists(Path.of("/sys/class/net/jkbr-" + name)), "bridge removed");
    assertFalse(host.ip("netns", "list").contains("jk-" + name + "-"), "node namespaces removed");
    assertEquals(routesBefore, host.ip("route"), "host routes as before");
    assertEquals(nftBefore, host.run(null, "nft", "list", "ruleset"), "host nftables as before");
    Assumptions.assumeTrue(kubeletRunnable(), "nodes Ready not checked: this build's kubelet has no "
        + "DependenciesProvider (image service, CNI, volumes) or the native runtime is not built");
  }

  /** The kubelet runs only with its node services on the class path and the native runtime built. */
  private static boolean kubeletRunnable() {
    return Lab.runtimeBinDir() != null
        && java.util.ServiceLoader.load(io.jk.kubelet.cli.DependenciesProvider.class).findFirst().isPresent();
  }

  private static boolean ready(Node n) {
    return n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
