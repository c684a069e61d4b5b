package io.jk.scheduler.plugins.noderesources;

import io.jk.common.resources.Fit;
import io.jk.common.resources.Resources;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.ScorePlugin;
import io.jk.scheduler.framework.Status;
import java.util.List;

/**
 * Filters nodes without room for the pod's cpu, memory, ephemeral storage and pod count
 * ({@link Fit#check}), and scores by LeastAllocated (spread, the default) or MostAllocated
 * (pack) over cpu and memory.
 */
public final class NodeResourcesFit implements FilterPlugin, ScorePlugin {

  /** Scoring strategies. */
  public enum Strategy { LEAST_ALLOCATED, MOST_ALLOCATED }

  private final Strategy strategy;

  /** A plugin scoring with {@code strategy}. */
  public NodeResourcesFit(Strategy strategy) {
    this.strategy = strategy;
  }

  @Override
  public String name() {
    return "NodeResourcesFit";
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    List<String> insufficient = Fit.check(pod.requests(), node.allocatable(), node.requested());
    return insufficient.isEmpty() ? Status.SUCCESS
        : Status.unschedulable(insufficient.toArray(String[]::new));
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    return score(strategy, pod.nonZeroRequests(), node.allocatable(), node.nonZeroRequested());
  }

  /** The strategy's score in [0, 100], cpu and memory weighted equally. */
  public static long score(Strategy strategy, Resources pod, Resources alloc, Resources used) {
    long cpu = one(strategy, used.cpuMilli() + pod.cpuMilli(), alloc.cpuMilli());
    long mem = one(strategy, used.memory() + pod.memory(), alloc.memory());
    return (cpu + mem) / 2;
  }

  private static long one(Strategy s, long requested, long capacity) {
    if (capacity <= 0 || requested > capacity) {
      return 0;
    }
    // Multiply in double: byte counts times 100 could overflow a long.
    return s == Strategy.LEAST_ALLOCATED
        ? (long) ((double) (capacity - requested) * MAX_SCORE / capacity)
        : (long) ((double) requested * MAX_SCORE / capacity);
  }
}
