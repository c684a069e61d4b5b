package io.jk.scheduler.framework;

/** Decides whether a pod can run on one node. */
public interface FilterPlugin extends Plugin {
  /**
   * {@link Status#SUCCESS} when {@code pod} may run on {@code node}; otherwise UNSCHEDULABLE
   * (preemption might help) or UNSCHEDULABLE_AND_UNRESOLVABLE (it cannot) with the reason
   * users see. Called concurrently for different nodes: must not mutate shared state.
   */
  Status filter(CycleState state, PodInfo pod, NodeInfo node);
}
