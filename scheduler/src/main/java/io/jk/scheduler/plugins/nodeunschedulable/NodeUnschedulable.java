package io.jk.scheduler.plugins.nodeunschedulable;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.tainttoleration.TaintToleration;

/** Cordoned nodes ({@code spec.unschedulable}) take only pods tolerating the unschedulable taint. */
public final class NodeUnschedulable implements FilterPlugin {
  /** The reason users see. */
  public static final String REASON = "node(s) were unschedulable";
  private static final Taint UNSCHEDULABLE = new TaintBuilder()
      .withKey("node.kubernetes.io/unschedulable").withEffect("NoSchedule").build();

  @Override
  public String name() {
    return "NodeUnschedulable";
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    if (!node.unschedulable() || TaintToleration.tolerated(UNSCHEDULABLE, pod.pod().getSpec().getTolerations())) {
      return Status.SUCCESS;
    }
    return Status.unresolvable(REASON);
  }
}
