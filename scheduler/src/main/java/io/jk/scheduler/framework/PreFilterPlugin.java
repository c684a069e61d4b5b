package io.jk.scheduler.framework;

/** Runs once per scheduling cycle, before filtering, to compute state the filters share. */
public interface PreFilterPlugin extends Plugin {
  /**
   * Prepares for filtering {@code pod} against {@code snapshot}, storing results in
   * {@code state}. {@link Status#SKIP} means this plugin's Filter has nothing to check for the
   * pod and is not called; any other non-success status ends the cycle: the pod fits nowhere.
   */
  Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot);
}
