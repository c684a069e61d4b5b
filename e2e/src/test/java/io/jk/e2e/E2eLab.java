package io.jk.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.deploy.JkCommand;
import io.jk.deploy.lab.Lab;
import io.jk.deploy.lab.LabConfig;
import io.jk.deploy.lab.LabState;
import io.jk.proxy.HostCommands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one 3-node {@code jk lab} every e2e class of a run shares (bringing a lab up costs tens of
 * seconds): the examples' busybox image imported into each node, the control plane split into
 * three processes (so a test can kill each alone) and the controller-manager on a short {@code
 * --node-monitor-grace-period}. Classes get it with {@code @ExtendWith(E2eLab.Extension.class)} and
 * {@link #get()}; it goes down, with checks that nothing is left behind, when the run ends, also
 * after a failure.
 */
final class E2eLab implements AutoCloseable {
  static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  static final String IMAGE = "jk.local/busybox:1.36";
  /** The controller-manager's grace period on the lab (Kubernetes: 50 s); kubelets renew every 10 s. */
  static final Duration NODE_GRACE = Duration.ofSeconds(16);
  static final HostCommands HOST = new HostCommands(null);
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(E2eLab.class);
  private static volatile Holder holder;

  final Path dir;
  final String name;
  final Lab lab;
  final LabState state;
  final Kubectl kubectl;
  final Kubectl jkctl;
  final KubernetesClient client;
  private final String nftBefore;
  private final String routesBefore;

  /** Brings the shared lab up once per run (JUnit's root store closes it at the end). */
  static final class Extension implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      Assumptions.assumeTrue(ROOT, "needs root: network namespaces, bridge, containers");
      Assumptions.assumeTrue(Kubectl.available(), "needs kubectl on PATH");
      holder = context.getRoot().getStore(NS).getOrComputeIfAbsent(Holder.class, k -> Holder.create(), Holder.class);
    }
  }

  /** The lab, or the reason it could not be brought up (kept, so later classes fail fast). */
  private record Holder(E2eLab lab, Throwable failure) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    static Holder create() {
      try {
        return new Holder(new E2eLab(), null);
      } catch (Throwable t) {
        return new Holder(null, t);
      }
    }

    @Override
    public void close() throws Exception {
      if (lab != null) {
        lab.close();
      }
    }
  }

  /** The shared lab; fails (or skips) the calling class when it could not be brought up. */
  static E2eLab get() {
    Holder h = holder;
    if (h == null) {
      throw new IllegalStateException("annotate the class with @ExtendWith(E2eLab.Extension.class)");
    }
    if (h.failure() instanceof org.opentest4j.TestAbortedException a) {
      throw a;
    }
    if (h.failure() != null) {
      throw new AssertionError("the e2e lab did not come up: " + h.failure(), h.failure());
    }
    return h.lab();
  }

  private E2eLab() throws Exception {
    Path script = Path.of("../scripts/build-example-image.sh").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isExecutable(script), "needs " + script);
    dir = Files.createTempDirectory("jk-e2e");
    name = "e" + ProcessHandle.current().pid() % 10000000;
    nftBefore = HOST.run(null, "nft", "list", "ruleset");
    routesBefore = HOST.ip("route");
    Path labDir = dir.resolve("lab");

    // the examples' image, built offline and imported into each node's kubelet root before the lab starts
    Path archive = dir.resolve("busybox-oci.tar");
    Process build = new ProcessBuilder(script.toString(), archive.toString(), IMAGE).redirectErrorStream(true)
        .redirectOutput(dir.resolve("build-image.log").toFile()).start();
    assertTrue(build.waitFor(120, TimeUnit.SECONDS) && build.exitValue() == 0,
        "build-example-image.sh: " + Files.readString(dir.resolve("build-image.log")));
    for (int i = 1; i <= 3; i++) {
      Path root = labDir.resolve("nodes").resolve(name + "-n" + i).resolve("kubelet");
      assertEquals(0, JkCommand.commandLine().execute("image", "import", archive.toString(), "--root-dir",
          root.toString()), "jk image import into node " + i);
    }
    lab = new Lab(name, labDir, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    long t0 = System.nanoTime();
    try {
      state = lab.up(3, new LabConfig(true, NODE_GRACE));
    } catch (Exception e) {
      keepLogs();
      throw e;
    }
    System.out.printf("e2e lab %s up in %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
    kubectl = new Kubectl(lab.kubeconfig(), Files.createDirectories(dir.resolve("kube-cache")));
    jkctl = Kubectl.jkctl(lab.kubeconfig());
    client = Clients.fromKubeconfig(lab.kubeconfig());
  }

  /** The lab's nodes by name, in order. */
  List<String> nodeNames() {
    return state.nodes.stream().map(n -> n.name).toList();
  }

  /** Takes the lab down and checks that nothing of it is left on the machine. */
  @Override
  public void close() throws Exception {
    client.close();
    keepLogs();
    lab.down();
    List<String> left = new ArrayList<>();
    for (LabState.Node n : state.nodes) {
      left.addAll(cgroupsNamed(n.cgroupParent));
    }
    if (Files.exists(Path.of("/sys/class/net/jkbr-" + name))) {
      left.add("bridge jkbr-" + name);
    }
    if (HOST.ip("netns", "list").contains("jk-" + name + "-")) {
      left.add("node namespaces jk-" + name + "-*");
    }
    if (!nftBefore.equals(HOST.run(null, "nft", "list", "ruleset"))) {
      left.add("changes to the host's nftables");
    }
    if (!routesBefore.equals(HOST.ip("route"))) {
      left.add("changes to the host's routes");
    }
    deleteTree(dir);
    if (!left.isEmpty()) {
      throw new AssertionError("lab down left behind: " + left);
    }
  }

  /** Copies the lab's component logs to target/e2e-logs, to read after a failure. */
  void keepLogs() {
    try (var logs = Files.list(dir.resolve("lab/logs"))) {
      Path to = Files.createDirectories(Path.of("target/e2e-logs"));
      for (Path f : logs.toList()) {
        Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      System.err.println("could not keep the lab logs: " + e);
    }
  }

  /** Every cgroup directory named {@code name} (in every hierarchy) that still exists. */
  static List<String> cgroupsNamed(String name) throws IOException {
    try (var walk = Files.walk(Path.of("/sys/fs/cgroup"), 8)) {
      return walk.filter(d -> d.getFileName() != null && d.getFileName().toString().equals(name)).map(Path::toString).toList();
    } catch (java.io.UncheckedIOException e) {
      return List.of(); // a cgroup vanished during the walk
    }
  }

  private static void deleteTree(Path root) {
    try (var walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      System.err.println("could not remove " + root + ": " + e);
    }
  }

  /** Pods with {@code label=value} that are not being deleted. */
  List<Pod> livePods(String label, String value) {
    return client.pods().inNamespace("default").withLabels(Map.of(label, value)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** Pods with {@code label=value}, not being deleted, whose Ready condition is True. */
  List<Pod> readyPods(String label, String value) {
    return livePods(label, value).stream().filter(E2eLab::ready).toList();
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The status of the node's Ready condition (True, False, Unknown), or "" when it has none. */
  static String readyStatus(Node n) {
    return n.getStatus() == null || n.getStatus().getConditions() == null ? "" : n.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus()).findFirst().orElse("");
  }
}
