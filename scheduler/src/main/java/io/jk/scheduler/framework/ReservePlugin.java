package io.jk.scheduler.framework;

/** Reserves resources for a pod on its chosen node before binding, and releases them on failure. */
public interface ReservePlugin extends Plugin {
  /** Reserves; a failure aborts the binding and triggers {@link #unreserve}. */
  Status reserve(CycleState state, PodInfo pod, String nodeName);

  /** Undoes {@link #reserve}; must be idempotent. */
  void unreserve(CycleState state, PodInfo pod, String nodeName);
}
