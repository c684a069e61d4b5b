package io.jk.kubelet.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real CNI plugins ({@code /usr/lib/cni}) in a test-made "node" network namespace holding the
 * bridge, and test-made pod namespaces. The host's own network namespace is never touched.
 */
class CniPodNetworkTest {

  static final Path BIN = Path.of("/usr/lib/cni");
  @TempDir Path dir;
  private final String tag = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> namespaces = new ArrayList<>();
  private CniPodNetwork network;

  @BeforeEach
  void requireRoot() {
    assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
    assumeTrue(Files.isExecutable(BIN.resolve("bridge")), "containernetworking-plugins not installed");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (network != null) {
      network.close();
    }
    for (String ns : namespaces) {
      if (Files.exists(Path.of("/run/netns", ns))) {
        run("ip", "netns", "delete", ns);
      }
    }
  }

  private String netns(String role) throws Exception {
    String name = "jkt-" + role + "-" + tag;
    run("ip", "netns", "add", name);
    namespaces.add(name);
    return name;
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + out);
    }
    return out;
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private CniPodNetwork network(String node, String cidr) {
    CniConfig cfg = new CniConfig(dir.resolve("net.d"), List.of(BIN), dir.resolve("data"),
        Path.of("/run/netns", node), cidr, "jkt" + tag.substring(0, 6));
    network = new CniPodNetwork(cfg);
    return network;
  }

  private static SandboxNetworkRef sandbox(String id, String podNs) {
    return new SandboxNetworkRef(id, Path.of("/run/netns", podNs), "default", "web-" + id, "uid-" + id, List.of());
  }

  @Test
  void podGetsAnAddressReachableFromTheNodeAndDelRemovesIt() throws Exception {
    String node = netns("node");
    String pod1 = netns("pod1");
    String pod2 = netns("pod2");
    CniPodNetwork net = network(node, "10.244.77.0/24");

    PodNetworkStatus s1 = await(net.setUp(sandbox("sb1" + tag, pod1)));
    PodNetworkStatus s2 = await(net.setUp(sandbox("sb2" + tag, pod2)));
    assertEquals(1, s1.ips().size());
    assertTrue(s1.ips().get(0).startsWith("10.244.77."), s1.ips().toString());
    assertEquals("10.244.77.1", s1.gateway());
    assertNotEquals(s1.ips(), s2.ips());
    assertEquals(s1, await(net.setUp(sandbox("sb1" + tag, pod1))), "a repeated ADD returns the cached result");

    // the node namespace reaches the pod; pods reach each other over the bridge
    run("ip", "netns", "exec", node, "busybox", "ping", "-c1", "-W2", s1.ips().get(0));
    run("ip", "netns", "exec", pod2, "busybox", "ping", "-c1", "-W2", s1.ips().get(0));
    assertTrue(run("ip", "netns", "exec", pod1, "ip", "-o", "addr", "show", "lo").contains("127.0.0.1"), "loopback is up");
    await(net.check(sandbox("sb1" + tag, pod1)));

    // the bridge is in the node namespace, not the host's
    assertTrue(run("ip", "netns", "exec", node, "ip", "link", "show", "jkt" + tag.substring(0, 6)).contains("jkt"));
    assertFalse(run("ip", "-o", "link", "show").contains("jkt" + tag.substring(0, 6)), "bridge leaked into the host namespace");

    Path lease = dir.resolve("data/ipam/jk").resolve(s1.ips().get(0));
    assertTrue(Files.exists(lease), "host-local lease in the per-node data dir");
    await(net.tearDown(sandbox("sb1" + tag, pod1)));
    assertFalse(Files.exists(lease), "lease released");
    assertFalse(run("ip", "netns", "exec", pod1, "ip", "-o", "link").contains("eth0"), "eth0 removed");
    assertThrows(IOException.class, () -> run("ip", "netns", "exec", node, "busybox", "ping", "-c1", "-W1", s1.ips().get(0)));
    await(net.tearDown(sandbox("sb1" + tag, pod1))); // idempotent
    await(net.tearDown(sandbox("sb2" + tag, pod2)));
    try (var s = Files.list(dir.resolve("data/results"))) {
      assertEquals(0, s.count(), "result cache emptied");
    }
  }

  @Test
  void pluginErrorsAreReportedAsMessages() throws Exception {
    String node = netns("node");
    String pod = netns("pod");
    Files.createDirectories(dir.resolve("net.d"));
    Files.writeString(dir.resolve("net.d/05-bad.conflist"), """
        {"cniVersion": "1.0.0", "name": "bad", "plugins": [
          {"type": "bridge", "bridge": "jktb%s", "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.79.0/33"}]],
           "dataDir": "%s"}}]}
        """.formatted(tag.substring(0, 6), dir.resolve("ipam")));
    CniPodNetwork net = network(node, "10.244.78.0/24");
    Exception e = assertThrows(Exception.class, () -> await(net.setUp(sandbox("sbx" + tag, pod))));
    assertTrue(e.getMessage().startsWith("plugin type=\"bridge\" failed (add): "), e.getMessage());
    assertTrue(e.getMessage().contains("10.244.79.0/33"), e.getMessage());
    Exception none = assertThrows(Exception.class, () -> await(net.check(sandbox("never" + tag, pod))));
    assertTrue(none.getMessage().contains("no cached CNI result"), none.getMessage());
    Exception gone = assertThrows(Exception.class,
        () -> await(net.setUp(new SandboxNetworkRef("g" + tag, Path.of("/run/netns/missing-" + tag), "d", "p", "u", List.of()))));
    assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
  }

  @Test
  void neverTouchesTheHostsNamespaceNorAnotherPodsOne() throws Exception {
    String node = netns("node");
    String pod1 = netns("pod1");
    String pod2 = netns("pod2");
    CniPodNetwork net = network(node, "10.244.80.0/24");
    Exception host = assertThrows(Exception.class, () -> await(net.setUp(
        new SandboxNetworkRef("h" + tag, Path.of("/proc/self/ns/net"), "d", "p", "u", List.of()))));
    assertTrue(host.getMessage().contains("refusing"), host.getMessage());

    PodNetworkStatus s1 = await(net.setUp(sandbox("a" + tag, pod1)));
    PodNetworkStatus s2 = await(net.setUp(sandbox("b" + tag, pod2)));
    // the kubelet lost the sandbox (pid reused): DEL of sandbox a names pod2's namespace
    await(net.tearDown(new SandboxNetworkRef("a" + tag, Path.of("/run/netns", pod2), "default", "x", "y", List.of())));
    assertTrue(run("ip", "netns", "exec", pod2, "ip", "-o", "link").contains("eth0"), "pod2 keeps its interface");
    run("ip", "netns", "exec", node, "busybox", "ping", "-c1", "-W2", s2.ips().get(0));
    assertFalse(Files.exists(dir.resolve("data/ipam/jk").resolve(s1.ips().get(0))), "sandbox a's address released");
    await(net.tearDown(sandbox("b" + tag, pod2)));
  }

  @Test
  void withoutConfigOrPodCidrSetUpFailsClearlyThenUsesTheCidrOnceAssigned() throws Exception {
    String node = netns("node");
    String pod = netns("pod");
    String[] assigned = {null};
    CniPodNetwork net = new CniPodNetwork(new CniConfig(dir.resolve("empty"), List.of(BIN), dir.resolve("d"),
        Path.of("/run/netns", node), null, "jkt" + tag.substring(0, 6)), () -> assigned[0]);
    network = net;
    Exception e = assertThrows(Exception.class, () -> await(net.setUp(sandbox("x" + tag, pod))));
    assertTrue(e.getMessage().contains("no podCIDR"), e.getMessage());
    assigned[0] = "10.244.81.0/24";
    PodNetworkStatus s = await(net.setUp(sandbox("x" + tag, pod)));
    assertTrue(s.ips().get(0).startsWith("10.244.81."), s.ips().toString());
    assertTrue(Files.readString(dir.resolve("d/net.d/10-jk.conflist")).contains("10.244.81.0/24"));
    await(net.tearDown(sandbox("x" + tag, pod)));
  }

  @Test
  void theDefaultListIsBuiltOnceAndLeavesLoopbackToTheRuntimeWhenItBringsLoUp() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    CniPodNetwork net = new CniPodNetwork(new CniConfig(dir.resolve("empty"), List.of(BIN), dir.resolve("d"), null, null,
        "jkt" + tag.substring(0, 6)), () -> {
          asked.incrementAndGet();
          return "10.244.82.0/24";
        }, true);
    network = net;
    var list = net.networkConfig();
    List<String> types = new ArrayList<>();
    list.path("plugins").forEach(p -> types.add(p.path("type").asText()));
    assertEquals(List.of("bridge"), types, "no loopback plugin exec: the runtime brings lo up");
    assertTrue(net.networkConfig() == list && net.networkConfig() == list, "built once, not per pod");
    assertEquals(1, asked.get(), "the node's pod CIDR is read once, not per pod");

    // a conf dir list is re-read only when its file changes
    Files.createDirectories(dir.resolve("empty"));
    Path f = dir.resolve("empty/10-x.conflist");
    Files.writeString(f, "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":\"bridge\"}]}");
    var fromFile = net.networkConfig();
    assertEquals("x", fromFile.path("name").asText());
    assertTrue(net.networkConfig() == fromFile, "unchanged file: parsed once");
    Files.writeString(f, "{\"cniVersion\":\"1.0.0\",\"name\":\"y2\",\"plugins\":[{\"type\":\"bridge\"}]}");
    assertEquals("y2", net.networkConfig().path("name").asText(), "a changed file is read again");
  }
}
