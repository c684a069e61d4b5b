package io.jk.kubelet.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.common.resources.Quantities;
import io.jk.kubelet.node.NodeAgent;
import io.jk.kubelet.server.KubeletServer;
import io.jk.kubelet.server.KubeletServerConfig;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import io.jk.kubelet.image.NodeIoSettings;
import io.jk.kubelet.server.PodContainers;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jk kubelet}: runs the pods bound to one node and serves the kubelet API (logs, exec, stats)
 * for them. Flags are named like the kubelet's; every
 * invalid flag is reported at once (exit code 2). SIGTERM stops the kubelet without stopping its
 * pods: a kubelet started again on the same {@code --root-dir} adopts them.
 */
@Command(name = "kubelet", mixinStandardHelpOptions = true, description = "Runs the pods bound to this node.")
public final class KubeletCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(KubeletCommand.class);
  private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern REGISTRY = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](:[0-9]{1,5})?");
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the API server") Path kubeconfig;
  @Option(names = "--node-name", description = "the Node's name (default: the host name)") String nodeName;
  @Option(names = "--root-dir", defaultValue = "/var/lib/jk/kubelet", description = "pods' files and the runtime's state (default: ${DEFAULT-VALUE})")
  Path rootDir;
  @Option(names = "--node-ip", description = "the node's InternalIP (default: the host name's address)") String nodeIp;
  @Option(names = "--container-runtime-path", description = "the OCI runtime binary (default: jkrt next to jkshim)") Path runtimePath;
  @Option(names = "--runtime-bin-dir", description = "where jkshim and pause are (default: $JK_RUNTIME_BIN or /usr/lib/jk/bin)")
  Path runtimeBinDir;
  @Option(names = "--node-labels", split = ",", description = "extra Node labels key=value,...") List<String> nodeLabels = List.of();
  @Option(names = "--register-with-taints", split = ",", description = "taints key=value:Effect,...") List<String> taints = List.of();
  @Option(names = "--system-reserved", split = ",", description = "cpu=100m,memory=100Mi,...") List<String> systemReserved = List.of();
  @Option(names = "--kube-reserved", split = ",", description = "cpu=100m,memory=100Mi,...") List<String> kubeReserved = List.of();
  @Option(names = "--cgroup-parent", defaultValue = "jk-kubepods", description = "pods' cgroups, relative to the kubelet's own (default: ${DEFAULT-VALUE})")
  String cgroupParent;

  @Option(names = "--address", defaultValue = "0.0.0.0", description = "address of the kubelet's HTTPS API (default: ${DEFAULT-VALUE})")
  String address;
  @Option(names = "--port", defaultValue = "10250", description = "port of the kubelet's HTTPS API; 0 picks a free one (default: ${DEFAULT-VALUE})")
  int port;
  @Option(names = "--tls-cert-file", description = "serving certificate (PEM); self-signed under --root-dir when unset") Path tlsCertFile;
  @Option(names = "--tls-private-key-file", description = "its private key (PEM)") Path tlsKeyFile;
  @Option(names = "--client-ca-file", description = "CA whose client certificates may use the API (the API server's)") Path clientCaFile;
  @Option(names = "--token-auth-file", description = "accepted bearer tokens, one per line (token[,user,...])") Path tokenAuthFile;

  // images and the pod network; each defaults to its JK_* environment variable, then to Kubernetes' default
  @Option(names = "--insecure-registries", split = ",", description = "registries (host:port) spoken to over plain HTTP "
      + "(default: $JK_INSECURE_REGISTRIES; loopback ones always are)") List<String> insecureRegistries;
  @Option(names = "--cni-conf-dir", description = "where the first .conflist is taken from; without one, a bridge config "
      + "for the Node's podCIDR is used (default: $JK_CNI_CONF_DIR or /etc/cni/net.d)") Path cniConfDir;
  @Option(names = "--cni-bin-dir", split = ",", description = "directories of CNI plugins, comma-separated "
      + "(default: $JK_CNI_BIN_DIR or /usr/lib/cni,/opt/cni/bin)") List<Path> cniBinDirs;
  @Option(names = "--cni-data-dir", description = "cached CNI results and host-local address leases "
      + "(default: $JK_CNI_DATA_DIR or <root-dir>/cni)") Path cniDataDir;
  @Option(names = "--node-netns", description = "network namespace (path) the CNI plugins run in "
      + "(default: $JK_NODE_NETNS or the kubelet's own)") Path nodeNetns;
  @Option(names = "--cni-bridge", description = "bridge of the default CNI config (default: $JK_CNI_BRIDGE or jk0)") String cniBridge;
  @Option(names = "--image-gc-high-threshold", defaultValue = "85",
      description = "disk usage percent above which unused images are removed (default: ${DEFAULT-VALUE})") int imageGcHigh;
  @Option(names = "--image-gc-low-threshold", defaultValue = "80",
      description = "disk usage percent image garbage collection removes down to (default: ${DEFAULT-VALUE})") int imageGcLow;

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Kubelet kubelet;
  private volatile int servingPort;

  /** The configuration from the flags; problems are added to {@code errors}, all at once. */
  public KubeletConfig config(List<String> errors) {
    String name = nodeName;
    String ip = nodeIp;
    try {
      if (name == null) {
        name = InetAddress.getLocalHost().getHostName().toLowerCase();
      }
      if (ip == null) {
        ip = InetAddress.getLocalHost().getHostAddress();
      }
    } catch (java.io.IOException e) {
      errors.add("cannot find this host's name or address: " + e.getMessage() + " (use --node-name and --node-ip)");
    }
    if (name != null && (!NODE_NAME.matcher(name).matches() || name.length() > 253)) {
      errors.add("--node-name: \"" + name + "\" is not a valid node name (lowercase RFC 1123 subdomain)");
    }
    if (ip != null && !ip.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      errors.add("--node-ip: \"" + ip + "\" is not an IP address");
    }
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      errors.add("--kubeconfig: cannot read " + kubeconfig);
    }
    Path bin = runtimeBinDir != null ? runtimeBinDir
        : System.getenv("JK_RUNTIME_BIN") != null ? Path.of(System.getenv("JK_RUNTIME_BIN")) : Path.of("/usr/lib/jk/bin");
    for (String b : List.of("jkshim", "pause")) {
      if (!Files.isExecutable(bin.resolve(b))) {
        errors.add("--runtime-bin-dir: no executable " + b + " in " + bin);
      }
    }
    Path runtime = runtimePath != null ? runtimePath : bin.resolve("jkrt");
    if (!Files.isExecutable(runtime)) {
      errors.add("--container-runtime-path: " + runtime + " is not an executable");
    }
    Map<String, String> labels = keyValues("--node-labels", nodeLabels, errors, false);
    try {
      NodeAgent.taints(taints);
    } catch (IllegalArgumentException e) {
      errors.add("--register-with-taints: " + e.getMessage());
    }
    Map<String, String> sys = keyValues("--system-reserved", systemReserved, errors, true);
    Map<String, String> kube = keyValues("--kube-reserved", kubeReserved, errors, true);
    if (port < 0 || port > 65535) {
      errors.add("--port: " + port + " is not within 0..65535");
    }
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      errors.add("--tls-cert-file and --tls-private-key-file go together");
    }
    for (Path f : java.util.Arrays.asList(tlsCertFile, tlsKeyFile, clientCaFile, tokenAuthFile)) {
      if (f != null && !Files.isReadable(f)) {
        errors.add("cannot read " + f);
      }
    }
    if (cgroupParent.contains("..") || cgroupParent.startsWith("/") || cgroupParent.isBlank()) {
      errors.add("--cgroup-parent: \"" + cgroupParent + "\" must be a relative path without ..");
    }
    NodeIoSettings io = nodeIo(System.getenv(), errors);
    if (imageGcHigh < 0 || imageGcHigh > 100 || imageGcLow < 0 || imageGcLow > 100) {
      errors.add("--image-gc-high-threshold and --image-gc-low-threshold must be within 0..100");
    } else if (imageGcLow > imageGcHigh) {
      errors.add("--image-gc-low-threshold (" + imageGcLow + ") must not be above --image-gc-high-threshold (" + imageGcHigh + ")");
    }
    KubeletConfig defaults = KubeletConfig.defaults(name == null ? "" : name, ip == null ? "" : ip, rootDir, bin);
    return defaults.withRuntimePath(runtime).withNode(labels, taints, sys, kube, cgroupParent).withNodeIo(io).withPort(port)
        .withImageGc(imageGcHigh, imageGcLow, defaults.imageGcPeriod());
  }

  /** Images' and CNI's settings: each flag, else its variable in {@code env}, else the default. */
  NodeIoSettings nodeIo(Map<String, String> env, List<String> errors) {
    NodeIoSettings fromEnv = NodeIoSettings.fromEnvironment(env);
    Set<String> insecure = fromEnv.insecureRegistries();
    if (insecureRegistries != null) {
      insecure = new LinkedHashSet<>();
      for (String r : insecureRegistries) {
        String t = r.trim();
        if (t.isEmpty()) {
          continue;
        }
        if (!REGISTRY.matcher(t).matches()) {
          errors.add("--insecure-registries: \"" + t + "\" is not a registry host[:port]");
        }
        insecure.add(t);
      }
      insecure = Set.copyOf(insecure);
    }
    List<Path> bins = cniBinDirs != null ? List.copyOf(cniBinDirs) : fromEnv.cniBinDirs();
    if (bins.isEmpty()) {
      errors.add("--cni-bin-dir: at least one directory is needed");
    }
    Path data = cniDataDir != null ? cniDataDir : fromEnv.cniDataDir();
    if (data == null) {
      data = rootDir.resolve("cni");
    }
    Path netns = nodeNetns != null ? nodeNetns : fromEnv.nodeNetns();
    if (nodeNetns != null && !Files.exists(nodeNetns)) {
      errors.add("--node-netns: " + nodeNetns + " does not exist");
    }
    String bridge = cniBridge != null ? cniBridge : fromEnv.cniBridge();
    if (!IFNAME.matcher(bridge).matches()) {
      errors.add("--cni-bridge: \"" + bridge + "\" is not an interface name (1 to 15 of a-z A-Z 0-9 . _ -)");
    }
    return new NodeIoSettings(insecure, cniConfDir != null ? cniConfDir : fromEnv.cniConfDir(), bins, data, netns, bridge);
  }

  private static Map<String, String> keyValues(String flag, List<String> items, List<String> errors, boolean quantities) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        errors.add(flag + ": \"" + item + "\" must be key=value");
        continue;
      }
      String k = item.substring(0, eq);
      String v = item.substring(eq + 1);
      if (quantities) {
        if (!List.of("cpu", "memory", "ephemeral-storage", "pid").contains(k)) {
          errors.add(flag + ": unknown resource \"" + k + "\"");
          continue;
        }
        try {
          Quantities.value(v);
        } catch (RuntimeException e) {
          errors.add(flag + ": \"" + v + "\" is not a quantity");
          continue;
        }
      } else if (!LABEL_KEY.matcher(k).matches()) {
        errors.add(flag + ": \"" + k + "\" is not a valid label key");
        continue;
      }
      out.put(k, v);
    }
    return out;
  }

  @Override
  public Integer call() throws Exception {
    List<String> errors = new ArrayList<>();
    KubeletConfig cfg = config(errors);
    Kubelet.Dependencies deps = null;
    KubernetesClient client = null;
    if (errors.isEmpty()) {
      client = Clients.fromKubeconfig(kubeconfig);
      DependenciesProvider provider = ServiceLoader.load(DependenciesProvider.class).stream().map(ServiceLoader.Provider::get)
          .max(Comparator.comparingInt(DependenciesProvider::priority)).orElse(null);
      if (provider == null) {
        errors.add("no image service, CNI and volume implementation on the class path (io.jk.kubelet.cli.DependenciesProvider)");
      } else {
        deps = provider.create(cfg, client);
      }
    }
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("error: " + e));
      if (client != null) {
        client.close();
      }
      return 2;
    }
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    Running running;
    try {
      running = start(vertx, cfg, client, deps).toCompletionStage().toCompletableFuture().get(150, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("Kubelet failed to start err={}", e.getMessage());
      vertx.close();
      client.close();
      return 1;
    }
    Thread hook = new Thread(() -> {
      shutdown();
      try {
        stopped.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "kubelet-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopRequested.await();
    // pods keep running: only the kubelet stops
    try {
      running.stop().toCompletionStage().toCompletableFuture().get(70, TimeUnit.SECONDS);
      vertx.close();
      client.close();
    } finally {
      stopped.countDown();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    return 0;
  }

  /** Asks a running {@link #call()} to stop the kubelet (not its pods) and return. */
  public void shutdown() {
    stopRequested.countDown();
  }

  /** The port the kubelet's API listens on (what {@code --port 0} picked), 0 before it listens. */
  public int servingPort() {
    return servingPort;
  }

  /** The running kubelet's pods for the API, none until the kubelet has started. */
  /** A started kubelet and its HTTPS API; {@link #stop()} stops both and leaves the pods running. */
  public record Running(KubeletServer server, Kubelet kubelet) {
    public io.vertx.core.Future<Void> stop() {
      return server.stop().eventually(kubelet::stop);
    }
  }

  /**
   * Starts the kubelet API (logs, exec, stats) with this command's flags, then the kubelet, which
   * then reports the port the API really listens on (so {@code --port 0} works). Used by
   * {@code jk kubelet} and by the launcher's agents.
   */
  public io.vertx.core.Future<Running> start(io.vertx.core.Vertx vertx, KubeletConfig cfg, KubernetesClient client,
      Kubelet.Dependencies deps) {
    KubeletServer server = new KubeletServer(vertx, new KubeletServerConfig(address, port, tlsCertFile, tlsKeyFile,
        clientCaFile, tokenAuthFile, cfg.rootDir().resolve("pki")), new LatePodContainers(), cfg.nodeName())
        .withImageImport(deps.images(), cfg.rootDir().resolve("images"));
    Path relay = cfg.runtimeBinDir().resolve(io.jk.kubelet.server.portforward.PortForwardHandler.RELAY_NAME);
    if (java.nio.file.Files.isExecutable(relay)) {
      // jk's binaries directory (jkshim's) holds jkportfwd also when the OCI runtime is another one (runc)
      server.withPortForwardRelay(relay);
    }
    return server.start().compose(v -> {
      servingPort = server.port();
      LOG.info("Kubelet API serving address={} port={}", address, servingPort);
      Kubelet k = new Kubelet(cfg.withPort(servingPort), client, deps);
      kubelet = k;
      return k.start().map(x -> new Running(server, k))
          .recover(e -> server.stop().eventually(k::stop).transform(x -> io.vertx.core.Future.<Running>failedFuture(e)));
    });
  }

  private final class LatePodContainers implements PodContainers {
    @Override
    public Optional<io.jk.kubelet.server.ContainerHandle> find(String namespace, String podName, String containerName,
        boolean previous) {
      Kubelet k = kubelet;
      return k == null || k.podContainers() == null ? Optional.empty() : k.podContainers().find(namespace, podName, containerName,
          previous);
    }

    @Override
    public List<io.fabric8.kubernetes.api.model.Pod> pods() {
      Kubelet k = kubelet;
      return k == null || k.podContainers() == null ? List.of() : k.podContainers().pods();
    }
  }

  /** The running kubelet, or null before start. */
  public Kubelet kubelet() {
    return kubelet;
  }
}
