package io.jk.kubelet.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.image.OciImageService;
import io.jk.kubelet.image.OverlayRootfsManager;
import io.jk.kubelet.network.CniConfig;
import io.jk.kubelet.network.CniPodNetwork;
import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.volume.DefaultVolumeManager;
import java.util.Map;
import io.jk.apiserver.resources.Strategies;
import io.jk.testing.TestApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * An in-process API server on a temporary store and a real kubelet driving jkshim/jkrt on a
 * temporary root dir, with the real image service (busybox imported from an archive) and overlay root file systems, stand-in pod networks (or real CNI, {@link #useCni}) and the real volume manager. {@link #close()}
 * deletes every pod, waits for the kubelet to tear them down, then removes whatever is left
 * (processes by pid, mounts, cgroups, files).
 */
public final class KubeletHarness implements AutoCloseable {
  public static final String NODE = "node-1";

  public final TestApiServer api;
  public final Path root;
  public KubeletConfig config;
  public final OciImageService images;
  public final OverlayRootfsManager rootfs = new OverlayRootfsManager();
  public PodNetwork network = new DummyNetwork();
  private String nodeNetns;
  public final DefaultVolumeManager volumes;
  private Kubelet kubelet;

  public static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  public static Path runtimeBin() {
    String p = System.getProperty("jk.runtime.bin");
    return p != null ? Path.of(p) : Path.of("..", "runtime", "target", "bin").toAbsolutePath().normalize();
  }

  private Process child;

  public KubeletHarness(Duration backoffBase) throws IOException {
    this(backoffBase, true);
  }

  /** With {@code inProcess} false, no kubelet runs until {@link #startChild()}. */
  public KubeletHarness(Duration backoffBase, boolean inProcess) throws IOException {
    this(backoffBase, inProcess, null);
  }

  /** With {@code runtime} the OCI runtime to use instead of jkrt. */
  public KubeletHarness(Duration backoffBase, boolean inProcess, Path runtime) throws IOException {
    api = TestApiServer.start(c -> c.withStrategies(t -> Strategies.forKind(t.group(), t.kind())));
    root = Files.createTempDirectory("jk-kubelet-");
    try {
      images = BusyboxImage.service(root);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    volumes = new DefaultVolumeManager(root, api.client(), Map.of());
    config = KubeletConfig.defaults(NODE, "127.0.0.1", root, runtimeBin()).withBackoff(backoffBase, backoffBase.multipliedBy(8))
        .withNode(java.util.Map.of("jk.io/test", "yes"), List.of(), java.util.Map.of(), java.util.Map.of(),
            "jk-test-" + UUID.randomUUID().toString().substring(0, 8))
        .withRuntimePath(runtime != null ? runtime : runtimeBin().resolve("jkrt"));
    if (inProcess) {
      startKubelet();
    }
  }

  /** Starts a kubelet in a child JVM on the same root dir and waits until it has started. */
  public Process startChild() throws IOException {
    Path log = Path.of("target", "kubelet-child-" + System.nanoTime() + ".log").toAbsolutePath();
    child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dvertx.disableFileCPResolving=true", "-cp",
        System.getProperty("java.class.path"), KubeletMain.class.getName(), api.kubeconfig().toString(), root.toString(),
        config.runtimeBinDir().toString(), config.cgroupParent(), root.toString(),
        Long.toString(config.backoffBase().toMillis())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long pid = child.pid();
    Process p = child;
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      if (!p.isAlive()) {
        throw new IllegalStateException("child kubelet exited: " + Files.readString(log));
      }
      return Files.exists(root.resolve("started-" + pid));
    });
    return child;
  }

  /** SIGTERMs the child kubelet and waits until it stopped (its shims and containers keep running). */
  public void terminateChild() throws InterruptedException {
    child.destroy();
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("child kubelet did not stop within 60s of SIGTERM");
    }
  }

  /** SIGKILLs the child kubelet (its shims and containers survive). */
  public void killChild() throws InterruptedException {
    child.destroyForcibly();
    child.waitFor(30, TimeUnit.SECONDS);
  }

  /** The host directory of a pod's emptyDir volume. */
  public Path emptyDir(String uid, String name) {
    return root.resolve("pods").resolve(uid).resolve("volumes").resolve("kubernetes.io~empty-dir").resolve(name);
  }

  public KubernetesClient client() {
    return api.client();
  }

  public Kubelet kubelet() {
    return kubelet;
  }

  /**
   * Replaces the stand-in network with real CNI plugins (bridge + host-local from /usr/lib/cni) run in
   * a node network namespace this harness makes, so nothing touches the host's own; call before
   * {@link #startKubelet()}.
   */
  public void useCni(String podCidr) {
    String tag = UUID.randomUUID().toString().substring(0, 6);
    nodeNetns = "jkt-node-" + tag;
    Commands.run("ip", "netns", "add", nodeNetns);
    Commands.run("ip", "netns", "exec", nodeNetns, "ip", "link", "set", "lo", "up");
    network = new CniPodNetwork(new CniConfig(root.resolve("net.d"), List.of(Path.of("/usr/lib/cni")), root.resolve("cni"),
        Path.of("/run/netns", nodeNetns), podCidr, "jkt" + tag), () -> null, true);
  }

  /** The node network namespace {@link #useCni} made (its name under /run/netns), or null. */
  public String nodeNetns() {
    return nodeNetns;
  }

  public void startKubelet() {
    kubelet = new Kubelet(config, api.client(), new Kubelet.Dependencies(images, rootfs, network, volumes));
    try {
      kubelet.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("kubelet did not start", e);
    }
  }

  public void stopKubelet() {
    kubelet.stop();
  }

  public Pod get(String name) {
    return api.client().pods().inNamespace("default").withName(name).get();
  }

  /** The host pid of the running shim of every container on the node (sandboxes included). */
  public List<Integer> shimPids() throws IOException {
    List<Integer> out = new ArrayList<>();
    if (!Files.isDirectory(root.resolve("pods"))) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root.resolve("pods"), 6)) {
      for (Path p : s.filter(f -> f.getFileName().toString().equals("started.json")).toList()) {
        int pid = io.jk.common.json.Json.mapper().readTree(p.toFile()).path("shimPid").asInt();
        if (pid > 0 && Files.exists(Path.of("/proc/" + pid)) && Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("jkshim")
            && !Files.exists(p.resolveSibling("exit.json"))) {
          out.add(pid);
        }
      }
    }
    return out;
  }

  /** Host pids of running containers' init processes. */
  public List<Integer> containerPids() throws IOException {
    List<Integer> out = new ArrayList<>();
    if (!Files.isDirectory(root.resolve("pods"))) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root.resolve("pods"), 6)) {
      for (Path p : s.filter(f -> f.getFileName().toString().equals("started.json")).toList()) {
        int pid = io.jk.common.json.Json.mapper().readTree(p.toFile()).path("pid").asInt();
        if (pid > 0 && Files.exists(Path.of("/proc/" + pid)) && !Files.exists(p.resolveSibling("exit.json"))) {
          out.add(pid);
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    try {
      if (child != null && child.isAlive()) {
        try {
          api.client().pods().inAnyNamespace().delete();
          await().atMost(Duration.ofSeconds(60)).until(() -> !Files.isDirectory(root.resolve("pods"))
              || Files.list(root.resolve("pods")).findAny().isEmpty());
        } finally {
          child.destroy();
          if (!child.waitFor(20, TimeUnit.SECONDS)) {
            child.destroyForcibly();
          }
        }
      } else if (kubelet != null) {
        try {
          api.client().pods().inAnyNamespace().delete();
          await().atMost(Duration.ofSeconds(60)).until(() -> !Files.isDirectory(root.resolve("pods"))
              || Files.list(root.resolve("pods")).findAny().isEmpty());
        } finally {
          kubelet.stop();
        }
      }
    } finally {
      // safety net: whatever the kubelet left
      for (int pid : containerPids()) {
        new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
      }
      if (!shimPids().isEmpty()) {
        await().atMost(Duration.ofSeconds(10)).until(() -> shimPids().isEmpty());
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.startsWith(root.toString())) {
          new ProcessBuilder("umount", "-l", mp).start().waitFor();
        }
      }
      Cgroups.remove(config.cgroupParent());
      images.close();
      new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).start().waitFor();
      try {
        if (network instanceof AutoCloseable c) {
          c.close();
        }
      } finally {
        if (nodeNetns != null) {
          new ProcessBuilder("ip", "netns", "delete", nodeNetns).start().waitFor();
        }
        api.close();
      }
    }
  }
}
