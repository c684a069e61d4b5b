package io.jk.common.resources;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;

/** What a node offers to pods: {@code status.allocatable}, or its capacity when none is set. */
public final class NodeAllocatable {

  private NodeAllocatable() {}

  /** The node's allocatable resources; zero when the node reports none. */
  public static Resources of(Node node) {
    NodeStatus status = node.getStatus();
    if (status == null) {
      return Resources.ZERO;
    }
    if (status.getAllocatable() != null && !status.getAllocatable().isEmpty()) {
      return PodRequests.fromMap(status.getAllocatable());
    }
    return PodRequests.fromMap(status.getCapacity());
  }
}
