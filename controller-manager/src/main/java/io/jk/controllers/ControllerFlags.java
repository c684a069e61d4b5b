package io.jk.controllers;

import io.jk.common.config.Durations;
import io.jk.common.leader.LeaderElection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The controllers' own flags, named like kube-controller-manager's: which controllers run, how many
 * workers each has, node monitoring and eviction, node IPAM. A picocli mixin, so that
 * {@code jk controller-manager} and {@code jk server} (which runs the controllers in its own process)
 * take the same flags.
 */
public final class ControllerFlags {

  @Option(names = "--controllers", split = ",", defaultValue = "*",
      description = "controllers to run: '*' for all, 'name' to enable, '-name' to disable")
  List<String> controllers;

  @Option(names = "--concurrent-deployment-syncs", defaultValue = "5") int deploymentSyncs;
  @Option(names = "--concurrent-replicaset-syncs", defaultValue = "5") int replicasetSyncs;
  @Option(names = "--concurrent-gc-syncs", defaultValue = "20") int gcSyncs;
  @Option(names = "--concurrent-namespace-syncs", defaultValue = "10") int namespaceSyncs;
  @Option(names = "--concurrent-service-endpoint-syncs", defaultValue = "5") int endpointSyncs;
  @Option(names = "--concurrent-job-syncs", defaultValue = "5") int jobSyncs;
  @Option(names = "--concurrent-daemonset-syncs", defaultValue = "2") int daemonsetSyncs;
  @Option(names = "--concurrent-statefulset-syncs", defaultValue = "5") int statefulsetSyncs;
  @Option(names = "--concurrent-horizontal-pod-autoscaler-syncs", defaultValue = "5") int hpaSyncs;

  @Option(names = "--node-monitor-grace-period", defaultValue = "50s",
      description = "how old a node's lease may get before the node is marked NotReady (default: ${DEFAULT-VALUE})")
  String nodeMonitorGracePeriod;

  @Option(names = "--cluster-cidr", description = "range of node podCIDRs, e.g. 10.244.0.0/16 (unset: no node IPAM)")
  String clusterCidr;

  @Option(names = "--node-cidr-mask-size", defaultValue = "24", description = "size of each node's podCIDR")
  int nodeCidrMaskSize;

  @Option(names = "--node-eviction-rate", defaultValue = "0.1",
      description = "nodes per second whose pods are evicted when a zone is healthy") double nodeEvictionRate;
  @Option(names = "--secondary-node-eviction-rate", defaultValue = "0.01",
      description = "nodes per second in a partially disrupted zone of a large cluster") double secondaryNodeEvictionRate;
  @Option(names = "--unhealthy-zone-threshold", defaultValue = "0.55",
      description = "fraction of NotReady nodes (at least 3) that makes a zone partially disrupted") double unhealthyZoneThreshold;
  @Option(names = "--large-cluster-size-threshold", defaultValue = "50",
      description = "zones with more nodes than this use the secondary rate when partially disrupted; smaller ones stop")
  int largeClusterSizeThreshold;

  /** Flags with Kubernetes' defaults and no cluster CIDR (no node IPAM). */
  public ControllerFlags() {
  }

  /** Flags whose {@code --cluster-cidr} defaults to {@code clusterCidr} ({@code jk server} always assigns podCIDRs). */
  public ControllerFlags(String clusterCidr) {
    this.clusterCidr = clusterCidr;
  }

  /** The {@code --cluster-cidr} given, or the default (null: no node IPAM). */
  public String clusterCidr() {
    return clusterCidr;
  }

  /**
   * The options these flags and the caller's leader-election and health-endpoint settings describe;
   * every problem found is added to {@code errors} (the options are then not to be used).
   */
  public ControllerManagerOptions options(boolean leaderElect, String leaseNamespace, String leaseName,
      LeaderElection.Timings leaderTimings, String bindAddress, int port, List<String> errors) {
    Duration grace = parseDuration("--node-monitor-grace-period", nodeMonitorGracePeriod, errors);
    Map<String, Integer> syncs = new HashMap<>();
    syncs.put("deployment", deploymentSyncs);
    syncs.put("replicaset", replicasetSyncs);
    syncs.put("garbagecollector", gcSyncs);
    syncs.put("namespace", namespaceSyncs);
    syncs.put("endpointslice", endpointSyncs);
    syncs.put("job", jobSyncs);
    syncs.put("daemonset", daemonsetSyncs);
    syncs.put("statefulset", statefulsetSyncs);
    syncs.put("horizontalpodautoscaling", hpaSyncs);
    ControllerManagerOptions o = new ControllerManagerOptions(controllers, syncs, 5,
        grace == null ? Duration.ofSeconds(50) : grace, Duration.ofMinutes(5), clusterCidr, nodeCidrMaskSize,
        leaderElect, leaseNamespace, leaseName, bindAddress, port, leaderTimings,
        new ControllerManagerOptions.Eviction(nodeEvictionRate, secondaryNodeEvictionRate, unhealthyZoneThreshold,
            largeClusterSizeThreshold, ControllerManagerOptions.Eviction.defaults().jobPodFailureBackoff()));
    errors.addAll(o.validate());
    return o;
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
