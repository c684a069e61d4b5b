package io.jk.scheduler.queue;

import io.jk.scheduler.framework.PodInfo;

/** A pod waiting in the scheduling queue, with its attempt history. */
public final class QueuedPod {
  volatile PodInfo info;
  final long firstSeenNanos;
  long enqueuedNanos;
  int attempts;
  long backoffUntilNanos;
  long poppedInCycle;

  QueuedPod(PodInfo info, long now) {
    this.info = info;
    this.firstSeenNanos = now;
    this.enqueuedNanos = now;
  }

  /** The latest version of the pod. */
  public PodInfo info() {
    return info;
  }

  /** When the queue first saw the pod (System.nanoTime), for end-to-end latency. */
  public long firstSeenNanos() {
    return firstSeenNanos;
  }

  /** How many times the pod was taken for scheduling. */
  public int attempts() {
    return attempts;
  }

  /** The scheduling cycle in which the pod was last popped. */
  public long cycle() {
    return poppedInCycle;
  }
}
