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
import java.util.LinkedHashMap;
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

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Kubelet kubelet;

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
    return KubeletConfig.defaults(name == null ? "" : name, ip == null ? "" : ip, rootDir, bin).withRuntimePath(runtime)
        .withNode(labels, taints, sys, kube, cgroupParent);
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
    kubelet = new Kubelet(cfg, client, deps);
    try {
      kubelet.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("Kubelet failed to start err={}", e.getMessage());
      kubelet.stop();
      client.close();
      return 1;
    }
    // on SIGTERM the JVM exits once hooks return: wait for the kubelet to stop first
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    KubeletServer server = new KubeletServer(vertx, new KubeletServerConfig(address, port, tlsCertFile, tlsKeyFile, clientCaFile,
        tokenAuthFile, cfg.rootDir().resolve("pki")), kubelet.podContainers(), cfg.nodeName());
    try {
      server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      LOG.info("Kubelet API serving address={} port={}", address, server.port());
    } catch (Exception e) {
      LOG.error("Kubelet API failed to start err={}", e.getMessage());
      kubelet.stop();
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
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      kubelet.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
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

  /** The running kubelet, or null before start. */
  public Kubelet kubelet() {
    return kubelet;
  }
}
