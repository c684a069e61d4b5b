package io.jk.controllers;

import io.jk.common.config.Durations;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.common.leader.LeaderElection;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jk controller-manager}: runs the controllers against an API server. Flags are named like
 * kube-controller-manager's; every invalid flag is reported at once (exit code 2). The process
 * runs until interrupted, or exits 1 when it loses the leader election.
 */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
    description = "Reconciles ReplicaSets, Deployments, garbage, namespaces, node CIDRs and endpoints.")
public final class ControllerManagerCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerManagerCommand.class);

  @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the API server to reconcile against")
  Path kubeconfig;

  @Option(names = "--controllers", split = ",", defaultValue = "*",
      description = "controllers to run: '*' for all, 'name' to enable, '-name' to disable")
  List<String> controllers;

  @Option(names = "--leader-elect", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "run only while holding the Lease kube-system/kube-controller-manager (default: ${DEFAULT-VALUE})")
  boolean leaderElect;

  @Option(names = "--leader-elect-resource-namespace", defaultValue = "kube-system") String leaseNamespace;
  @Option(names = "--leader-elect-resource-name", defaultValue = "kube-controller-manager") String leaseName;
  @Option(names = "--leader-elect-lease-duration", defaultValue = "15s") String leaseDuration;
  @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s") String renewDeadline;
  @Option(names = "--leader-elect-retry-period", defaultValue = "2s") String retryPeriod;

  @Option(names = "--concurrent-deployment-syncs", defaultValue = "5") int deploymentSyncs;
  @Option(names = "--concurrent-replicaset-syncs", defaultValue = "5") int replicasetSyncs;
  @Option(names = "--concurrent-gc-syncs", defaultValue = "20") int gcSyncs;
  @Option(names = "--concurrent-namespace-syncs", defaultValue = "10") int namespaceSyncs;
  @Option(names = "--concurrent-service-endpoint-syncs", defaultValue = "5") int endpointSyncs;
  @Option(names = "--concurrent-job-syncs", defaultValue = "5") int jobSyncs;
  @Option(names = "--concurrent-daemonset-syncs", defaultValue = "2") int daemonsetSyncs;
  @Option(names = "--concurrent-statefulset-syncs", defaultValue = "5") int statefulsetSyncs;

  @Option(names = "--node-monitor-grace-period", defaultValue = "50s",
      description = "how old a node's lease may get before the node is marked NotReady (default: ${DEFAULT-VALUE})")
  String nodeMonitorGracePeriod;

  @Option(names = "--cluster-cidr", description = "range of node podCIDRs, e.g. 10.244.0.0/16 (unset: no node IPAM)")
  String clusterCidr;

  @Option(names = "--node-cidr-mask-size", defaultValue = "24") int nodeCidrMaskSize;

  @Option(names = "--node-eviction-rate", defaultValue = "0.1",
      description = "nodes per second whose pods are evicted when a zone is healthy") double nodeEvictionRate;
  @Option(names = "--secondary-node-eviction-rate", defaultValue = "0.01",
      description = "nodes per second in a partially disrupted zone of a large cluster") double secondaryNodeEvictionRate;
  @Option(names = "--unhealthy-zone-threshold", defaultValue = "0.55",
      description = "fraction of NotReady nodes (at least 3) that makes a zone partially disrupted") double unhealthyZoneThreshold;
  @Option(names = "--large-cluster-size-threshold", defaultValue = "50",
      description = "zones with more nodes than this use the secondary rate when partially disrupted; smaller ones stop")
  int largeClusterSizeThreshold;

  @Option(names = "--bind-address", defaultValue = "127.0.0.1", description = "address of /healthz and /metrics")
  String bindAddress;

  @Option(names = "--secure-port", defaultValue = "10257", description = "port of /healthz and /metrics (0: any free port)")
  int port;

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile ControllerManager manager;

  /** The options these flags describe, with every problem found listed in {@code errors}. */
  ControllerManagerOptions options(List<String> errors) {
    Duration grace = parseDuration("--node-monitor-grace-period", nodeMonitorGracePeriod, errors);
    Duration lease = parseDuration("--leader-elect-lease-duration", leaseDuration, errors);
    Duration renew = parseDuration("--leader-elect-renew-deadline", renewDeadline, errors);
    Duration retry = parseDuration("--leader-elect-retry-period", retryPeriod, errors);
    if (lease != null && renew != null && retry != null && !(lease.compareTo(renew) > 0 && renew.compareTo(retry) > 0)) {
      errors.add("leader election needs lease-duration > renew-deadline > retry-period");
    }
    Map<String, Integer> syncs = new HashMap<>();
    syncs.put("deployment", deploymentSyncs);
    syncs.put("replicaset", replicasetSyncs);
    syncs.put("garbagecollector", gcSyncs);
    syncs.put("namespace", namespaceSyncs);
    syncs.put("endpointslice", endpointSyncs);
    syncs.put("job", jobSyncs);
    syncs.put("daemonset", daemonsetSyncs);
    syncs.put("statefulset", statefulsetSyncs);
    ControllerManagerOptions o = new ControllerManagerOptions(controllers, syncs, 5,
        grace == null ? Duration.ofSeconds(50) : grace, Duration.ofMinutes(5), clusterCidr, nodeCidrMaskSize,
        leaderElect, leaseNamespace, leaseName, bindAddress, port,
        lease == null || renew == null || retry == null ? LeaderElection.Timings.defaults() : new LeaderElection.Timings(lease, renew, retry),
        new ControllerManagerOptions.Eviction(nodeEvictionRate, secondaryNodeEvictionRate, unhealthyZoneThreshold,
            largeClusterSizeThreshold, ControllerManagerOptions.Eviction.defaults().jobPodFailureBackoff()));
    errors.addAll(o.validate());
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      errors.add("--kubeconfig: cannot read " + kubeconfig);
    }
    return o;
  }

  @Override
  public Integer call() throws Exception {
    List<String> errors = new java.util.ArrayList<>();
    ControllerManagerOptions opts = options(errors);
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("error: " + e));
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    KubernetesClient client = Clients.fromKubeconfig(kubeconfig);
    try {
      manager = new ControllerManager(vertx, client, opts);
      manager.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Thread hook = new Thread(this::shutdown, "controller-manager-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      manager.terminated().onFailure(e -> stopRequested.countDown());
      stopRequested.await();
      boolean lost = manager.terminated().failed();
      manager.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      if (lost) {
        LOG.error("Exiting: leader election lost");
        return 1;
      }
      return 0;
    } finally {
      client.close();
      vertx.close();
    }
  }

  /** Runs the command on its own ({@code java -cp ... io.jk.controllers.ControllerManagerCommand --kubeconfig F}). */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new ControllerManagerCommand()).execute(args));
  }

  /** Asks a running {@link #call()} to stop and return. */
  public void shutdown() {
    stopRequested.countDown();
  }

  /** The running manager (null before start). */
  public ControllerManager manager() {
    return manager;
  }

  /** Parses a Kubernetes-style duration flag, adding a message to {@code errors} when it is not one. */
  static Duration parseDuration(String flag, String text, List<String> errors) {
    if (text == null || text.isEmpty()) {
      errors.add(flag + ": missing duration");
      return null;
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      errors.add(flag + ": " + e.getMessage());
      return null;
    }
  }
}
