package io.jk.scheduler.plugins.noderesources;

import io.jk.common.resources.Resources;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.ScorePlugin;

/** Prefers nodes whose cpu and memory would be used in equal proportion after placing the pod. */
public final class BalancedAllocation implements ScorePlugin {

  @Override
  public String name() {
    return "NodeResourcesBalancedAllocation";
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    return score(pod.nonZeroRequests(), node.allocatable(), node.nonZeroRequested());
  }

  /** (1 - standard deviation of the cpu and memory fractions) × 100. */
  public static long score(Resources pod, Resources alloc, Resources used) {
    if (alloc.cpuMilli() <= 0 || alloc.memory() <= 0) {
      return 0;
    }
    double cpu = Math.min(1.0, (used.cpuMilli() + pod.cpuMilli()) * 1.0 / alloc.cpuMilli());
    double mem = Math.min(1.0, (used.memory() + pod.memory()) * 1.0 / alloc.memory());
    double std = Math.abs(cpu - mem) / 2;
    return (long) ((1 - std) * MAX_SCORE);
  }
}
