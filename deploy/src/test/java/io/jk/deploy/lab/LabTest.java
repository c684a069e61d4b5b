package io.jk.deploy.lab;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2-node lab brought up with the components on the class path; {@code down} (in
 * {@link #downLeavesNothing()}) must leave no namespace, bridge, process, route or nftables change.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabTest {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private static final HostCommands HOST = new HostCommands(null);
  @TempDir static Path dir;
  private static Lab lab;
  private static LabState state;
  private static String name;
  private static String routesBefore;
  private static String nftBefore;
  private static final List<Long> PIDS = new ArrayList<>();
  private static final ByteArrayOutputStream PRINTED = new ByteArrayOutputStream();

  @BeforeAll
  static void up() throws Exception {
    if (!ROOT) {
      return;
    }
    name = "t" + ProcessHandle.current().pid() % 100000;
    routesBefore = HOST.ip("route");
    nftBefore = HOST.run(null, "nft", "list", "ruleset");
    lab = new Lab(name, dir.resolve("lab"), new PrintStream(PRINTED, true, StandardCharsets.UTF_8));
    try {
      state = lab.up(2);
    } finally {
      LabState s = lab.state();
      if (s != null) {
        PIDS.add(s.serverPid);
        s.nodes.forEach(n -> PIDS.addAll(n.pids.values()));
      }
    }
  }

  @AfterAll
  static void downLeavesNothing() throws Exception {
    if (lab == null) {
      return;
    }
    lab.down();
    for (long pid : PIDS) {
      assertFalse(Lab.alive(pid), "process " + pid + " ended");
    }
    assertFalse(Files.exists(Path.of("/sys/class/net/jkbr-" + name)), "bridge removed");
    assertFalse(HOST.ip("netns", "list").contains("jk-" + name + "-"), "node namespaces removed");
    assertEquals(routesBefore, HOST.ip("route"), "host routes as before");
    assertEquals(nftBefore, HOST.run(null, "nft", "list", "ruleset"), "host nftables as before");
    assertEquals(null, lab.state(), "state file removed");
  }

  @Test
  void namesGiveDistinctSubnetsAndBadNamesAreRefused() {
    assertNotEquals(Lab.subnet("a"), Lab.subnet("b"));
    assertTrue(Lab.subnet("lab").matches("172\\.2[0-3]\\.\\d+"));
    Exception e = assertThrows(IllegalArgumentException.class, () -> new Lab("Bad_Name", Path.of("/tmp/x"), System.out));
    assertTrue(e.getMessage().contains("lab name"));
  }

  @Test
  @Order(1)
  void upMakesBridgeNamespacesApiServerAndProxies() throws Exception {
    Assumptions.assumeTrue(ROOT, "needs root: network namespaces, bridge, nftables");
    assertTrue(PRINTED.toString(StandardCharsets.UTF_8).contains("export KUBECONFIG=" + lab.kubeconfig()));
    assertTrue(Files.exists(Path.of("/sys/class/net/jkbr-" + name)));
    for (LabState.Node n : state.nodes) {
      assertTrue(Files.exists(Path.of("/run/netns", n.netns)));
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertTrue(
          HOST.run(null, "ip", "netns", "exec", n.netns, "nft", "list", "tables").contains("jk-proxy"),
          "the proxy programs its table inside the node's namespace"));
    }
    try (KubernetesClient client = Clients.fromKubeconfig(lab.kubeconfig())) {
      assertFalse(client.namespaces().list().getItems().isEmpty(), "the API server answers on the lab kubeconfig");
    }
  }

  @Test
  @Order(2)
  void nodesTurnReady() {
    Assumptions.assumeTrue(ROOT, "needs root");
    Assumptions.assumeTrue(kubeletRunnable(), "this build's kubelet has no DependenciesProvider (image service, "
        + "CNI, volumes) or the native runtime is not built");
    try (KubernetesClient client = Clients.fromKubeconfig(lab.kubeconfig())) {
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertEquals(2,
          client.nodes().list().getItems().stream().filter(LabTest::ready).count(), "both lab nodes Ready"));
    }
  }

  @Test
  @Order(3)
  void faultHooksPartitionHealStopAndStartANode() throws Exception {
    Assumptions.assumeTrue(ROOT, "needs root");
    LabState.Node n2 = state.nodes.get(1);
    lab.partition(n2.name, true);
    assertTrue(HOST.ip("link", "show", n2.vethHost).contains("state DOWN"));
    ByteArrayOutputStream status = new ByteArrayOutputStream();
    new Lab(name, dir.resolve("lab"), new PrintStream(status, true, StandardCharsets.UTF_8)).status();
    assertTrue(status.toString(StandardCharsets.UTF_8).contains("partitioned"));
    lab.partition(n2.name, false);
    assertFalse(HOST.ip("link", "show", n2.vethHost).contains("state DOWN"));
    long oldProxy = lab.state().node(n2.name).pids.get("proxy");
    lab.stopNode(n2.name);
    assertFalse(Lab.alive(oldProxy), "node stop ends its agents");
    lab.startNode(n2.name);
    PIDS.addAll(lab.state().node(n2.name).pids.values());
    long newProxy = lab.state().node(n2.name).pids.get("proxy");
    assertTrue(Lab.alive(newProxy) && newProxy != oldProxy, "node start runs them again");
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
