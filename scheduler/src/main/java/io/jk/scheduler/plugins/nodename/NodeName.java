package io.jk.scheduler.plugins.nodename;

import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Status;

/** A pod that names a node runs only there. */
public final class NodeName implements FilterPlugin {
  /** The reason users see. */
  public static final String REASON = "node(s) didn't match the requested node name";

  @Override
  public String name() {
    return "NodeName";
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    return fits(pod.pod().getSpec().getNodeName(), node.name())
        ? Status.SUCCESS : Status.unresolvable(REASON);
  }

  /** True when the pod names no node or names this one. */
  public static boolean fits(String wanted, String node) {
    return wanted == null || wanted.isEmpty() || wanted.equals(node);
  }
}
