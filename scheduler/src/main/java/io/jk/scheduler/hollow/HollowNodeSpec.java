package io.jk.scheduler.hollow;

import java.time.Duration;
import java.util.Map;

/**
 * What each hollow node looks like and how it behaves.
 *
 * @param namePrefix nodes are named {@code <prefix>-<index>}
 * @param cpu capacity and allocatable cpu, e.g. "4"
 * @param memory capacity and allocatable memory, e.g. "16Gi"
 * @param pods how many pods a node takes, e.g. "110"
 * @param zones nodes get {@code topology.kubernetes.io/zone=zone-<index % zones>}
 * @param labels extra labels on every node
 * @param leaseRenewInterval how often each node's Lease is renewed
 * @param runPods whether pods bound to the nodes are moved to Running
 * @param deleteOnClose whether {@link HollowNodes#close()} deletes the Nodes and Leases
 */
public record HollowNodeSpec(String namePrefix, String cpu, String memory, String pods, int zones,
    Map<String, String> labels, Duration leaseRenewInterval, boolean runPods,
    boolean deleteOnClose) {

  /** 4 cpu, 16Gi, 110 pods, 3 zones, 10 s renewals, pods run, cleanup on close. */
  public static HollowNodeSpec defaults() {
    return new HollowNodeSpec("hollow-node", "4", "16Gi", "110", 3, Map.of(),
        Duration.ofSeconds(10), true, true);
  }

  /** A copy with another name prefix. */
  public HollowNodeSpec withNamePrefix(String p) {
    return new HollowNodeSpec(p, cpu, memory, pods, zones, labels, leaseRenewInterval, runPods,
        deleteOnClose);
  }

  /** A copy with other capacity. */
  public HollowNodeSpec withCapacity(String cpu, String memory, String pods) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, zones, labels, leaseRenewInterval,
        runPods, deleteOnClose);
  }

  /** A copy with another zone count. */
  public HollowNodeSpec withZones(int z) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, z, labels, leaseRenewInterval,
        runPods, deleteOnClose);
  }

  /** A copy with extra labels. */
  public HollowNodeSpec withLabels(Map<String, String> l) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, zones, Map.copyOf(l),
        leaseRenewInterval, runPods, deleteOnClose);
  }

  /** A copy with another renewal interval. */
  public HollowNodeSpec withLeaseRenewInterval(Duration d) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, zones, labels, d, runPods,
        deleteOnClose);
  }

  /** A copy that does or does not run pods. */
  public HollowNodeSpec withRunPods(boolean run) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, zones, labels, leaseRenewInterval,
        run, deleteOnClose);
  }

  /** A copy that does or does not clean up on close. */
  public HollowNodeSpec withDeleteOnClose(boolean d) {
    return new HollowNodeSpec(namePrefix, cpu, memory, pods, zones, labels, leaseRenewInterval,
        runPods, d);
  }
}
