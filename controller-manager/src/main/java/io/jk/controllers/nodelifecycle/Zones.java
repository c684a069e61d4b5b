package io.jk.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.jk.controllers.ControllerManagerOptions;
import java.util.Map;

/**
 * Zone disruption and the eviction rate that follows from it, as kube-controller-manager's node
 * lifecycle controller decides them. Pure functions.
 *
 * <ul>
 *   <li>A zone (labels {@code topology.kubernetes.io/region} and {@code topology.kubernetes.io/zone};
 *       nodes without them share the zone "") is fully disrupted when none of its nodes is Ready,
 *       partially disrupted when more than 2 are not Ready and they are at least
 *       {@code --unhealthy-zone-threshold} of it, else normal.
 *   <li>Normal and fully disrupted zones taint lost nodes at {@code --node-eviction-rate}; a
 *       partially disrupted zone at {@code --secondary-node-eviction-rate} if it has more than
 *       {@code --large-cluster-size-threshold} nodes, else not at all.
 *   <li>When every zone is fully disrupted the controller assumes the fault is its own network:
 *       it taints nothing and lifts the taints it made.
 * </ul>
 */
public final class Zones {
  static final String REGION_LABEL = "topology.kubernetes.io/region";
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";

  private Zones() {}

  /** The disruption state of one zone. */
  public enum State { NORMAL, PARTIAL_DISRUPTION, FULL_DISRUPTION }

  /** The zone key of {@code node}: region and zone labels, "" for a node without either. */
  public static String zoneOf(Node node) {
    Map<String, String> labels = node.getMetadata() == null ? null : node.getMetadata().getLabels();
    if (labels == null) {
      return "";
    }
    String region = labels.getOrDefault(REGION_LABEL, "");
    String zone = labels.getOrDefault(ZONE_LABEL, "");
    return region.isEmpty() && zone.isEmpty() ? "" : region + ":" + zone;
  }

  /** The state of a zone with {@code ready} Ready nodes and {@code notReady} others. */
  public static State state(int ready, int notReady, double unhealthyThreshold) {
    if (ready == 0 && notReady > 0) {
      return State.FULL_DISRUPTION;
    }
    if (notReady > 2 && (double) notReady / (notReady + ready) >= unhealthyThreshold) {
      return State.PARTIAL_DISRUPTION;
    }
    return State.NORMAL;
  }

  /**
   * Nodes per second that may be tainted in a zone of {@code zoneSize} nodes in {@code state};
   * 0 stops tainting.
   */
  public static double rate(State state, int zoneSize, boolean allFullyDisrupted, ControllerManagerOptions.Eviction e) {
    if (allFullyDisrupted) {
      return 0;
    }
    return switch (state) {
      case NORMAL, FULL_DISRUPTION -> e.nodeEvictionRate();
      case PARTIAL_DISRUPTION -> zoneSize > e.largeClusterSizeThreshold() ? e.secondaryNodeEvictionRate() : 0;
    };
  }
}
