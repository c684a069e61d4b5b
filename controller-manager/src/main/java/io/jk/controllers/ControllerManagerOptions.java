package io.jk.controllers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The controller-manager's settings (flags named like kube-controller-manager's).
 *
 * @param controllers enabled controllers; {@code *} enables all, {@code -name} disables one
 * @param concurrentSyncs workers per controller name (missing names use {@code defaultSyncs})
 * @param defaultSyncs workers for controllers not named in {@code concurrentSyncs}
 * @param nodeMonitorGracePeriod how old a node's lease may be before the node is NotReady
 * @param podEvictionTimeout unused (kept for flag compatibility)
 * @param clusterCidr the range node podCIDRs are taken from (null: node IPAM disabled)
 * @param nodeCidrMaskSize the prefix length of each node's podCIDR
 * @param leaderElect whether to run only while holding the Lease
 * @param leaseNamespace the Lease's namespace
 * @param leaseName the Lease's name
 * @param bindAddress address of the /healthz and /metrics server
 * @param port port of that server (0 picks a free one)
 * @param leaderTimings lease duration, renew deadline and retry period of the election
 * @param eviction node eviction rates and zone thresholds ({@code --node-eviction-rate} and
 *     friends) and the Job pod failure back-off
 */
public record ControllerManagerOptions(
    List<String> controllers,
    Map<String, Integer> concurrentSyncs,
    int defaultSyncs,
    Duration nodeMonitorGracePeriod,
    Duration podEvictionTimeout,
    String clusterCidr,
    int nodeCidrMaskSize,
    boolean leaderElect,
    String leaseNamespace,
    String leaseName,
    String bindAddress,
    int port,
    io.jk.common.leader.LeaderElection.Timings leaderTimings,
    Eviction eviction) {

  /**
   * How fast lost nodes are tainted (so their pods evicted) and how fast failed Job pods come
   * back, as kube-controller-manager's flags of the same names.
   *
   * @param nodeEvictionRate nodes tainted per second in a healthy zone ({@code --node-eviction-rate})
   * @param secondaryNodeEvictionRate nodes per second in a partially disrupted zone of a large
   *     cluster ({@code --secondary-node-eviction-rate}); small clusters then stop tainting
   * @param unhealthyZoneThreshold fraction of NotReady nodes (with more than 2 of them) that makes
   *     a zone partially disrupted ({@code --unhealthy-zone-threshold})
   * @param largeClusterSizeThreshold zones with more nodes than this count as large
   *     ({@code --large-cluster-size-threshold})
   * @param jobPodFailureBackoff first delay before a failed Job pod is replaced, doubled per
   *     further failure and capped at 6 minutes (Kubernetes: 10 s, not a flag; tests shorten it)
   */
  public record Eviction(double nodeEvictionRate, double secondaryNodeEvictionRate, double unhealthyZoneThreshold,
      int largeClusterSizeThreshold, Duration jobPodFailureBackoff) {
    /** Kubernetes' defaults: 0.1/s, 0.01/s, 0.55, 50 nodes, 10 s. */
    public static Eviction defaults() {
      return new Eviction(0.1, 0.01, 0.55, 50, Duration.ofSeconds(10));
    }

    /** Every problem with these settings. */
    List<String> validate() {
      List<String> errors = new ArrayList<>();
      if (!(nodeEvictionRate > 0)) {
        errors.add("--node-eviction-rate must be positive, got " + nodeEvictionRate);
      }
      if (!(secondaryNodeEvictionRate >= 0)) {
        errors.add("--secondary-node-eviction-rate must not be negative, got " + secondaryNodeEvictionRate);
      }
      if (!(unhealthyZoneThreshold > 0 && unhealthyZoneThreshold <= 1)) {
        errors.add("--unhealthy-zone-threshold must be in (0, 1], got " + unhealthyZoneThreshold);
      }
      if (largeClusterSizeThreshold < 0) {
        errors.add("--large-cluster-size-threshold must not be negative, got " + largeClusterSizeThreshold);
      }
      if (jobPodFailureBackoff == null || jobPodFailureBackoff.isNegative()) {
        errors.add("job pod failure back-off must not be negative");
      }
      return errors;
    }
  }

  /** The settings without {@link Eviction} (Kubernetes' defaults for those). */
  public ControllerManagerOptions(List<String> controllers, Map<String, Integer> concurrentSyncs, int defaultSyncs,
      Duration nodeMonitorGracePeriod, Duration podEvictionTimeout, String clusterCidr, int nodeCidrMaskSize,
      boolean leaderElect, String leaseNamespace, String leaseName, String bindAddress, int port,
      io.jk.common.leader.LeaderElection.Timings leaderTimings) {
    this(controllers, concurrentSyncs, defaultSyncs, nodeMonitorGracePeriod, podEvictionTimeout, clusterCidr,
        nodeCidrMaskSize, leaderElect, leaseNamespace, leaseName, bindAddress, port, leaderTimings, Eviction.defaults());
  }

  /** Every controller this manager knows, in start order. */
  public static final List<String> ALL =
      List.of("replicaset", "deployment", "garbagecollector", "namespace", "nodeipam", "nodelifecycle", "endpointslice", "job", "daemonset", "statefulset",
          "serviceaccount", "root-ca-cert-publisher", "horizontalpodautoscaling");

  /** Defaults: all controllers, 5 workers each, 50 s grace, no cluster CIDR, no leader election. */
  public static ControllerManagerOptions defaults() {
    return new ControllerManagerOptions(
        List.of("*"), Map.of(), 5, Duration.ofSeconds(50), Duration.ofMinutes(5), null, 24, false,
        "kube-system", "kube-controller-manager", "127.0.0.1", 10257, io.jk.common.leader.LeaderElection.Timings.defaults());
  }

  /** A copy with leader election on or off and the given timings. */
  public ControllerManagerOptions withLeaderElection(boolean on, io.jk.common.leader.LeaderElection.Timings timings) {
    return new ControllerManagerOptions(controllers, concurrentSyncs, defaultSyncs, nodeMonitorGracePeriod, podEvictionTimeout,
        clusterCidr, nodeCidrMaskSize, on, leaseNamespace, leaseName, bindAddress, port, timings, eviction);
  }

  /** A copy with the given cluster CIDR and node mask size. */
  public ControllerManagerOptions withClusterCidr(String cidr, int maskSize) {
    return new ControllerManagerOptions(controllers, concurrentSyncs, defaultSyncs, nodeMonitorGracePeriod, podEvictionTimeout,
        cidr, maskSize, leaderElect, leaseNamespace, leaseName, bindAddress, port, leaderTimings, eviction);
  }

  /** A copy with the given node monitor grace period. */
  public ControllerManagerOptions withNodeMonitorGracePeriod(Duration grace) {
    return new ControllerManagerOptions(controllers, concurrentSyncs, defaultSyncs, grace, podEvictionTimeout,
        clusterCidr, nodeCidrMaskSize, leaderElect, leaseNamespace, leaseName, bindAddress, port, leaderTimings, eviction);
  }

  /** A copy with the given eviction settings. */
  public ControllerManagerOptions withEviction(Eviction e) {
    return new ControllerManagerOptions(controllers, concurrentSyncs, defaultSyncs, nodeMonitorGracePeriod, podEvictionTimeout,
        clusterCidr, nodeCidrMaskSize, leaderElect, leaseNamespace, leaseName, bindAddress, port, leaderTimings, e);
  }

  /** Nodes tainted per second when the zone is healthy ({@code --node-eviction-rate}). */
  public double nodeEvictionRate() {
    return eviction.nodeEvictionRate();
  }

  /** Whether controller {@code name} is enabled by {@link #controllers}. */
  public boolean enabled(String name) {
    if (controllers.contains("-" + name)) {
      return false;
    }
    return controllers.contains(name) || controllers.contains("*");
  }

  /** The worker count for {@code name}. */
  public int syncs(String name) {
    return concurrentSyncs.getOrDefault(name, defaultSyncs);
  }

  /** Every problem with these options (empty when valid), reported all at once. */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    for (String c : controllers) {
      String n = c.startsWith("-") ? c.substring(1) : c;
      if (!n.equals("*") && !ALL.contains(n)) {
        errors.add("--controllers: unknown controller \"" + n + "\" (known: " + String.join(", ", ALL) + ")");
      }
    }
    concurrentSyncs.forEach((k, v) -> {
      if (v < 1) {
        errors.add("--concurrent-" + k + "-syncs must be at least 1, got " + v);
      }
    });
    if (defaultSyncs < 1) {
      errors.add("default concurrent syncs must be at least 1");
    }
    if (nodeMonitorGracePeriod.isNegative() || nodeMonitorGracePeriod.isZero()) {
      errors.add("--node-monitor-grace-period must be positive");
    }
    if (clusterCidr != null) {
      try {
        io.jk.controllers.nodeipam.Cidr c = io.jk.controllers.nodeipam.Cidr.parse(clusterCidr);
        if (nodeCidrMaskSize < c.prefix() || nodeCidrMaskSize > 30) {
          errors.add("--node-cidr-mask-size " + nodeCidrMaskSize + " must be between the cluster CIDR's prefix " + c.prefix() + " and 30");
        }
      } catch (IllegalArgumentException e) {
        errors.add("--cluster-cidr: " + e.getMessage());
      }
    }
    if (eviction == null) {
      errors.add("eviction settings missing");
    } else {
      errors.addAll(eviction.validate());
    }
    if (port < 0 || port > 65535) {
      errors.add("--secure-port must be between 0 and 65535");
    }
    return errors;
  }

  /** Names of enabled controllers, in start order. */
  public Set<String> enabledControllers() {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (String n : ALL) {
      if (enabled(n)) {
        out.add(n);
      }
    }
    return out;
  }
}
