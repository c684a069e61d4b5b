package io.jk.scheduler.framework;

import java.util.List;

/**
 * The nodes a scheduling cycle sees, in a stable order, and how many of their pods declare pod
 * affinity or anti-affinity (when none do and the incoming pod has no terms, InterPodAffinity
 * has nothing to look at and need not walk the nodes).
 */
public record Snapshot(List<NodeInfo> nodes, int podsWithAffinity) {

  /** A snapshot of {@code nodes}, counting their pods with affinity. */
  public Snapshot(List<NodeInfo> nodes) {
    this(nodes, nodes.stream().mapToInt(NodeInfo::podsWithAffinity).sum());
  }
}
