package io.jk.deploy.server;

import io.jk.common.config.Durations;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.auth.JoinTokens;
import io.jk.apiserver.server.ApiServerCommand;
import io.jk.apiserver.tls.ClusterPki;
import io.jk.apiserver.tls.Pem;
import io.jk.common.client.Clients;
import io.jk.common.leader.LeaderElection;
import io.jk.controllers.ControllerFlags;
import io.jk.controllers.ControllerManagerOptions;
import io.jk.apiserver.auth.NodeCredentialIssuer;
import io.jk.apiserver.auth.UserInfo;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.common.kubeconfig.Kubeconfigs;
import io.jk.deploy.ComponentGroup;
import io.jk.deploy.agent.KubeletComponent;
import io.jk.deploy.agent.ProxyComponent;
import java.util.List;
import io.jk.deploy.join.JoinEndpoint;
import io.jk.scheduler.SchedulerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jk server}: a whole control plane in one process. The API server starts first (with
 * the join endpoint); when it serves, the scheduler and the controller-manager start on the
 * admin credential. A join token is created on first start and kept (mode 0600) in
 * {@code <data-dir>/node-token}. If any component fails to start or dies later, every component
 * is stopped and the process exits 1 with the component's name and reason.
 *
 * <p>The local agent (kubelet and proxy) runs by default once those components exist in the
 * build; until then the server says so and runs as with {@code --disable-agent}.
 */
@Command(name = "server", sortOptions = false,
    description = {"Runs a jk control plane: API server, scheduler and controller-manager in one process,",
        "plus a local agent (kubelet and proxy) unless --disable-agent. Takes the API server's flags."})
public final class ServerCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);
  /** The one-command cluster always gives nodes a podCIDR (the default CNI config uses it). */
  private static final String DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";

  /** The API server's own flags ({@code --data-dir}, {@code --secure-port}, ...), and --help. */
  @Mixin
  ApiServerCommand apiserver = new ApiServerCommand();

  @Spec
  CommandSpec spec;

  @Option(names = "--disable-agent", description = "Do not run a kubelet and proxy in this process.")
  boolean disableAgent;

  @Option(names = "--node-name", description = "Name of the local node (default: the host name).")
  String nodeName;

  @Option(names = "--node-ip", description = "InternalIP of the local node (default: the host name's address).")
  String nodeIp;

  @Option(names = "--kubelet-root-dir", defaultValue = "/var/lib/jk/kubelet",
      description = "The local kubelet's root directory (pods, images). Default: ${DEFAULT-VALUE}")
  Path kubeletRootDir;

  /** The controllers' flags ({@code --node-monitor-grace-period}, {@code --cluster-cidr}, ...), as {@code jk controller-manager}'s. */
  @Mixin
  ControllerFlags controllers = new ControllerFlags(DEFAULT_CLUSTER_CIDR);

  @Option(names = "--controller-manager-port", defaultValue = "10257",
      description = "Port of the controller-manager's /healthz and /metrics on 127.0.0.1 (0: any free port). Default: ${DEFAULT-VALUE}")
  int controllerManagerPort;

  @Option(names = "--store-outage-limit", defaultValue = "10s",
      description = "Exit non-zero when the store has not answered for this long (e.g. 10s, 1m). Default: ${DEFAULT-VALUE}")
  String storeOutageLimit;

  private final CompletableFuture<String> exit = new CompletableFuture<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    Duration outage;
    try {
      outage = Durations.parse(storeOutageLimit);
    } catch (IllegalArgumentException e) {
      System.err.println("error: --store-outage-limit: " + e.getMessage());
      return 2;
    }
    List<String> errors = new java.util.ArrayList<>();
    ControllerManagerOptions controllerOptions = controllers.options(false, "kube-system", "kube-controller-manager",
        LeaderElection.Timings.defaults(), "127.0.0.1", controllerManagerPort, errors);
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("error: " + e));
      return 2;
    }
    Path dataDir = spec.findOption("--data-dir").getValue();
    Vertx vertx = Vertx.vertx();
    ComponentGroup group = new ComponentGroup();
    List<KubernetesClient> clients = new java.util.ArrayList<>();
    Thread hook = new Thread(() -> {
      exit.complete(null);
      try {
        stopped.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "jk-server-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      Files.createDirectories(dataDir);
      JoinTokens tokens = new JoinTokens(dataDir.resolve("join-tokens"));
      JoinEndpoint join = new JoinEndpoint(vertx, dataDir.resolve("pki"), tokens);
      apiserver.customize(c -> c.withPublicRoutes(join::mount));
      ApiServerComponent api = new ApiServerComponent(vertx, apiserver, outage.toMillis());
      group.failure().onFailure(e -> exit.complete(e.getMessage()));
      await(group.start(api));
      String token = joinToken(dataDir, tokens);
      // the scheduler and controller-manager with the identities Kubernetes gives them (RBAC's bootstrap
      // bindings grant their roles), not the admin credential
      KubernetesClient scheduler = Clients.fromKubeconfig(componentKubeconfig(api, dataDir, "scheduler",
          "system:kube-scheduler"));
      clients.add(scheduler);
      KubernetesClient controllers = Clients.fromKubeconfig(componentKubeconfig(api, dataDir, "controller-manager",
          "system:kube-controller-manager"));
      clients.add(controllers);
      await(group.start(new SchedulerComponent(vertx, scheduler, SchedulerConfig.defaults(), new SimpleMeterRegistry())));
      await(group.start(new ControllerManagerComponent(vertx, controllers, controllerOptions)));
      if (!disableAgent) {
        startLocalAgent(vertx, group, api, dataDir);
      }
      printReady(api, dataDir, token);
      String reason = exit.get();
      if (reason != null) {
        System.err.println("error: " + reason);
      }
      return reason == null ? 0 : 1;
    } catch (ExecutionException | RuntimeException e) {
      String reason = e instanceof ExecutionException && e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
      LOG.error("Server failed err=\"{}\"", reason);
      System.err.println("error: " + reason);
      return 1;
    } finally {
      await(group.stopAll(), 30);
      clients.forEach(KubernetesClient::close);
      await(vertx.close(), 10);
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
  }

  /** A kubeconfig for an in-process component's user, with a client certificate from the cluster CA. */
  private Path componentKubeconfig(ApiServerComponent api, Path dataDir, String file, String user) throws IOException {
    Path kubeconfig = dataDir.resolve(file + ".kubeconfig");
    CertificateAuthority ca = JoinEndpoint.authority(dataDir.resolve("pki"));
    IssuedCertificate cert = ca.issueClientCertificate(user, List.of(), Duration.ofDays(365));
    Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate(serverUrl(api), ca.certificatePem(), "jk",
        user, cert.certificatePem(), cert.privateKeyPem(), "default"));
    return kubeconfig;
  }

  /** The local kubelet and proxy, on a node credential issued directly by the cluster CA. */
  private void startLocalAgent(Vertx vertx, ComponentGroup group, ApiServerComponent api, Path dataDir) throws Exception {
    if (KubeletComponent.provider().isEmpty()) {
      System.out.println("local agent: the kubelet's node services (images, CNI, volumes) are not in"
          + " this build; running without one (as --disable-agent): pods run only on nodes that join");
      return;
    }
    String node = nodeName != null ? nodeName
        : java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
    Path kubeconfig = dataDir.resolve("agent").resolve("kubelet.kubeconfig");
    CertificateAuthority ca = JoinEndpoint.authority(dataDir.resolve("pki"));
    IssuedCertificate cert = ca.issueClientCertificate(UserInfo.NODE_USER_PREFIX + node, List.of(UserInfo.NODES),
        NodeCredentialIssuer.DEFAULT_VALIDITY);
    Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate(serverUrl(api), ca.certificatePem(), "jk",
        UserInfo.NODE_USER_PREFIX + node, cert.certificatePem(), cert.privateKeyPem(), "default"));
    List<String> args = new java.util.ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(), "--node-name", node,
        "--root-dir", kubeletRootDir.toString(), "--runtime-bin-dir", KubeletComponent.runtimeBinDir().toString(),
        // the kubelet API accepts the API server's client certificate (pods/log, pods/exec)
        "--client-ca-file", dataDir.resolve("pki").resolve("ca.crt").toString()));
    if (nodeIp != null) {
      args.addAll(List.of("--node-ip", nodeIp));
    }
    await(group.start(new KubeletComponent(vertx, args)));
    await(group.start(new ProxyComponent(vertx, kubeconfig, node, controllers.clusterCidr())));
    System.out.println("local agent: kubelet and proxy running as node " + node);
  }

  /** The join token kept in {@code node-token}, or a new one when that is missing or no longer valid. */
  static String joinToken(Path dataDir, JoinTokens tokens) throws IOException {
    Path file = dataDir.resolve("node-token");
    if (Files.exists(file)) {
      String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (tokens.verify(kept).isPresent()) {
        return kept;
      }
    }
    String token = tokens.create(null);
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
    LOG.info("Created join token file={}", file);
    return token;
  }

  private void printReady(ApiServerComponent api, Path dataDir, String token) throws IOException {
    String url = serverUrl(api);
    String hash = "";
    Path caCert = dataDir.resolve("pki").resolve(ClusterPki.CA_CERT);
    if (Files.exists(caCert)) {
      hash = " --ca-cert-hash " + JoinTokens.caCertHash(Pem.readCertificates(Files.readString(caCert)).get(0));
    }
    System.out.println("jk server is ready: API server " + url + ", scheduler, controller-manager");
    System.out.println("  export KUBECONFIG=" + api.adminKubeconfig().toAbsolutePath());
    System.out.println("  join a node: jk agent --server " + url + " --token " + token + hash);
    System.out.flush();
  }

  private String serverUrl(ApiServerComponent api) {
    Object advertise = spec.findOption("--advertise-address").getValue();
    String host = advertise == null || advertise.toString().isBlank() ? "127.0.0.1" : advertise.toString();
    return "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + api.port();
  }

  /** Waits for a start, giving up early when the process is asked to stop meanwhile. */
  private void await(Future<?> f) throws ExecutionException, InterruptedException {
    CompletableFuture<?> started = f.toCompletionStage().toCompletableFuture();
    try {
      CompletableFuture.anyOf(started, exit).get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new ExecutionException(new IllegalStateException("timed out after 120s"));
    }
    if (!started.isDone()) {
      String reason = exit.getNow(null);
      throw new ExecutionException(new IllegalStateException(reason != null ? reason : "stopped while starting"));
    }
    started.get();
  }

  private static void await(Future<?> f, int seconds) {
    try {
      f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Unclean stop err=\"{}\"", e.toString());
    }
  }
}
