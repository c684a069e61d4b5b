package io.jk.deploy.agent;

import io.jk.deploy.ComponentGroup;
import io.jk.deploy.join.JoinClient;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jk agent}: a worker node. On first start it trades the join token for the node's own
 * client certificate ({@code system:node:<name>}, group {@code system:nodes}) and keeps it in
 * {@code <data-dir>/kubelet.kubeconfig}; from then on it uses only that credential, so the API
 * server's node authorizer limits it to its own Node, Lease and pods. Then it runs the kubelet
 * and the proxy, once those components are part of the build.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Joins this machine to a jk cluster as a node and runs its kubelet and proxy.")
public final class AgentCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);

  @Option(names = "--server", required = true, description = "URL of the API server, e.g. https://10.0.0.1:6443")
  String server;

  @Option(names = "--token", description = "Join token printed by jk server (also read from $JK_TOKEN); "
      + "needed only until the node has its credential.")
  String token;

  @Option(names = "--ca-cert-hash", description = "sha256:<hex> of the cluster CA's public key, as printed by jk server: "
      + "the join refuses a server with another CA.")
  String caCertHash;

  @Option(names = "--node-name", description = "Name of this node (default: the host name, lowercased).")
  String nodeName;

  @Option(names = "--node-ip", description = "InternalIP of this node (default: the address used to reach the server).")
  String nodeIp;

  @Option(names = "--data-dir", description = "State directory of the agent. Default: ${DEFAULT-VALUE}")
  Path dataDir = Path.of("/var/lib/jk/agent");

  @Option(names = "--kubelet-root-dir", defaultValue = "/var/lib/jk/kubelet",
      description = "The kubelet's root directory (pods, images). Default: ${DEFAULT-VALUE}")
  Path kubeletRootDir;

  @Option(names = "--cluster-cidr", defaultValue = "10.244.0.0/16",
      description = "The cluster's pod network (the proxy masquerades traffic from outside it). Default: ${DEFAULT-VALUE}")
  String clusterCidr;

  @Option(names = "--join-only", description = "Obtain the node credential, then exit.")
  boolean joinOnly;

  @Override
  public Integer call() throws Exception {
    String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    Path kubeconfig = dataDir.resolve("kubelet.kubeconfig");
    if (Files.exists(kubeconfig)) {
      LOG.info("Using the node credential kubeconfig={}", kubeconfig);
    } else {
      String t = token != null ? token : System.getenv("JK_TOKEN");
      if (t == null || t.isBlank()) {
        System.err.println("error: this node has no credential yet (" + kubeconfig + "): give --token (or $JK_TOKEN)");
        return 2;
      }
      try {
        JoinClient.join(server, t.trim(), name, caCertHash, kubeconfig);
      } catch (Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
      System.out.println("joined " + server + " as system:node:" + name + "; credential in " + kubeconfig);
    }
    if (joinOnly) {
      return 0;
    }
    if (KubeletComponent.provider().isEmpty()) {
      System.out.println("the kubelet's node services (images, CNI, volumes) are not in this build:"
          + " nothing more to run on this node");
      return 0;
    }
    List<String> args = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString(), "--node-name", name,
        "--root-dir", kubeletRootDir.toString(), "--runtime-bin-dir", KubeletComponent.runtimeBinDir().toString()));
    if (Files.exists(JoinClient.caFile(kubeconfig))) {
      args.addAll(List.of("--client-ca-file", JoinClient.caFile(kubeconfig).toString()));
    }
    if (nodeIp != null) {
      args.addAll(List.of("--node-ip", nodeIp));
    }
    Vertx vertx = Vertx.vertx();
    return runUntilStopped(new KubeletComponent(vertx, args), new ProxyComponent(vertx, kubeconfig, name, clusterCidr));
  }

  /** Runs the kubelet until SIGTERM (exit 0) or until it dies (exit 1 with the reason). */
  private static int runUntilStopped(KubeletComponent kubelet, ProxyComponent proxy) throws InterruptedException {
    ComponentGroup group = new ComponentGroup();
    CompletableFuture<String> exit = new CompletableFuture<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      exit.complete(null);
      try {
        stopped.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "jk-agent-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    group.failure().onFailure(e -> exit.complete(e.getMessage()));
    try {
      group.start(kubelet).compose(v -> group.start(proxy))
          .onSuccess(v -> System.out.println("kubelet and proxy running"));
      String reason = exit.get();
      if (reason != null) {
        System.err.println("error: " + reason);
        return 1;
      }
      return 0;
    } catch (ExecutionException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    } finally {
      try {
        group.stopAll().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Unclean stop err=\"{}\"", e.toString());
      }
      stopped.countDown();
    }
  }
}
