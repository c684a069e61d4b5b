package io.jk.cli;

import static org.awaitility.Awaitility.await;

import io.jk.apiserver.proxy.KubeletClientCredentials;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.resources.Strategies;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.image.OciImageService;
import io.jk.kubelet.image.OverlayRootfsManager;
import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.network.PodNetworkStatus;
import io.jk.kubelet.network.SandboxNetworkRef;
import io.jk.kubelet.server.KubeletServer;
import io.jk.kubelet.server.KubeletServerConfig;
import io.jk.kubelet.volume.DefaultVolumeManager;
import io.jk.testing.TestApiServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A one-node cluster in this JVM for side-by-side tests that need real containers: the test API
 * server (with the kubelet proxy for {@code pods/log} and {@code pods/exec}), a real kubelet
 * driving jkshim and jkrt on a temporary root with {@code busybox:1.36} imported from Debian's
 * busybox-static, and its kubelet server on loopback trusting the API server's client certificate.
 * Pods name their node ({@link #NODE}) themselves: no scheduler runs. Pod networks stay inside the
 * pods' own namespaces (loopback only). Root only. {@link #close()} deletes every pod, waits for
 * the kubelet to tear them down and then removes what is left (processes by PID, mounts,
 * cgroups, files).
 */
final class RealNode implements AutoCloseable {

  static final String NODE = "node-1";

  final TestApiServer api;
  private final Path root;
  private final Vertx vertx = Vertx.vertx();
  private final OciImageService images;
  private final KubeletConfig config;
  private final Kubelet kubelet;
  private final KubeletServer server;

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  RealNode() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("jkctl-test-kubelet-ca", Duration.ofDays(1));
    IssuedCertificate apiClient = ca.issueClientCertificate(KubeletClientCredentials.USER, List.of("system:masters"),
        Duration.ofDays(1));
    KubeletProxy.configure(new KubeletClientCredentials(apiClient.certificatePem(), apiClient.privateKeyPem(), null));
    api = TestApiServer.start(c -> c.withStrategies(t -> Strategies.forKind(t.group(), t.kind()))
        .withTls(o -> o.setWebSocketSubProtocols(KubeletServer.EXEC_PROTOCOLS)));
    root = Files.createTempDirectory("jkctl-node-");
    images = busybox(root);
    int port = freePort();
    Path runtimeBin = Path.of("..", "runtime", "target", "bin").toAbsolutePath().normalize();
    config = KubeletConfig.defaults(NODE, "127.0.0.1", root, runtimeBin)
        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
        .withNode(Map.of(), List.of(), Map.of(), Map.of(), "jkctl-test-" + UUID.randomUUID().toString().substring(0, 8))
        .withRuntimePath(runtimeBin.resolve("jkrt"))
        .withPort(port);
    kubelet = new Kubelet(config, api.client(), new Kubelet.Dependencies(images, new OverlayRootfsManager(),
        new LoopbackNetwork(), new DefaultVolumeManager(root, api.client(), Map.of())));
    kubelet.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    Path caFile = root.resolve("kubelet-client-ca.crt");
    Files.writeString(caFile, ca.certificatePem());
    Files.writeString(root.resolve("tokens.csv"), "");
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", port, null, null, caFile,
        root.resolve("tokens.csv"), root.resolve("kubelet-server")), kubelet.podContainers(), NODE)
        .withImageImport(images, root.resolve("uploads"));
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** An image service with busybox:1.36 (every applet of Debian's busybox-static) imported. */
  private static OciImageService busybox(Path root) throws Exception {
    OciImageService images = new OciImageService(root, Set.of());
    Path archive = Files.createTempFile("jkctl-busybox-", ".tar");
    try {
      writeBusyboxArchive(archive, "busybox:1.36");
      images.importBlocking(archive);
    } finally {
      Files.deleteIfExists(archive);
    }
    return images;
  }

  /** An OCI archive of a busybox image (every applet of Debian's busybox-static) named {@code name}. */
  static void writeBusyboxArchive(Path archive, String name) throws Exception {
    io.jk.testing.images.BusyboxArchive.write(archive, name);
  }

  /** Host PIDs of the containers' processes and shims still running. */
  private List<Integer> pids() throws IOException {
    List<Integer> out = new ArrayList<>();
    if (!Files.isDirectory(root.resolve("pods"))) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root.resolve("pods"), 6)) {
      for (Path p : s.filter(f -> f.getFileName().toString().equals("started.json")).toList()) {
        var n = io.jk.common.json.Json.mapper().readTree(p.toFile());
        for (String key : new String[] {"pid", "shimPid"}) {
          int pid = n.path(key).asInt();
          if (pid > 0 && Files.exists(Path.of("/proc/" + pid)) && !Files.exists(p.resolveSibling("exit.json"))) {
            out.add(pid);
          }
        }
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    try {
      api.client().pods().inAnyNamespace().delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> !Files.isDirectory(root.resolve("pods"))
          || Files.list(root.resolve("pods")).findAny().isEmpty());
    } finally {
      try {
        server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        kubelet.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } finally {
        for (int pid : pids()) { // safety net: whatever the kubelet left
          new ProcessBuilder("kill", "-9", Integer.toString(pid)).start().waitFor();
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
        KubeletProxy.closeAll();
        KubeletProxy.configure(null);
        api.close();
      }
    }
  }

  /**
   * A stand-in for CNI: loopback up in the pod's own network namespace with a 10.244.0.x address
   * on it. Nothing touches the host's network; the namespace goes with the pod's pause process.
   */
  private static final class LoopbackNetwork implements PodNetwork {
    private final AtomicInteger next = new AtomicInteger(2);

    @Override
    public Future<PodNetworkStatus> setUp(SandboxNetworkRef sandbox) {
      String ip = "10.244.0." + next.getAndIncrement();
      String ns = "--net=" + sandbox.netnsPath();
      try {
        run("nsenter", ns, "ip", "link", "set", "lo", "up");
        run("nsenter", ns, "ip", "addr", "add", ip + "/32", "dev", "lo");
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
      return Future.succeededFuture(new PodNetworkStatus(List.of(ip), null));
    }

    @Override
    public Future<Void> tearDown(SandboxNetworkRef sandbox) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> check(SandboxNetworkRef sandbox) {
      return Future.succeededFuture();
    }

    private static void run(String... cmd) throws Exception {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + ": " + out);
      }
    }
  }
}
