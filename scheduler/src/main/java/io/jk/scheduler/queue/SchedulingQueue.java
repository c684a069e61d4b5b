package io.jk.scheduler.queue;

import io.jk.scheduler.framework.PodInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Kubernetes' three-part scheduling queue. activeQ holds pods ready to be tried, highest
 * priority first and then oldest; backoffQ holds pods that failed recently until their backoff
 * (1 s doubling per attempt, at most 10 s) ends; the unschedulable set holds pods that fit
 * nowhere until an event (node added or changed, pod deleted) might make them fit, or 5 minutes
 * pass.
 */
public final class SchedulingQueue {
  /** Longest a pod stays unschedulable without an event moving it. */
  public static final Duration MAX_UNSCHEDULABLE = Duration.ofMinutes(5);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition nonEmpty = lock.newCondition();
  private final PriorityQueue<QueuedPod> active = new PriorityQueue<>(
      Comparator.comparingInt((QueuedPod q) -> -q.info.priority())
          .thenComparingLong(q -> q.enqueuedNanos));
  private final PriorityQueue<QueuedPod> backoff =
      new PriorityQueue<>(Comparator.comparingLong(q -> q.backoffUntilNanos));
  private final Map<String, QueuedPod> unschedulable = new HashMap<>();
  /** Every pod the queue knows, wherever it is (including in flight). */
  private final Map<String, QueuedPod> all = new HashMap<>();
  private final Map<String, String> where = new HashMap<>();
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final LongSupplier clock;
  private long schedulingCycle;
  private long moveRequestCycle = -1;
  private boolean closed;

  /** A queue with Kubernetes' default backoff (1 s to 10 s) on the system clock. */
  public SchedulingQueue() {
    this(Duration.ofSeconds(1), Duration.ofSeconds(10), System::nanoTime);
  }

  /** A queue with the given backoff bounds and nanosecond clock. */
  public SchedulingQueue(Duration initialBackoff, Duration maxBackoff, LongSupplier clock) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.clock = clock;
  }

  /** Adds a new pending pod to activeQ; an already-known pod is updated instead. */
  public void add(PodInfo pod) {
    lock.lock();
    try {
      if (all.containsKey(pod.uid())) {
        updateLocked(pod);
        return;
      }
      QueuedPod q = new QueuedPod(pod, clock.getAsLong());
      all.put(pod.uid(), q);
      toActive(q);
    } finally {
      lock.unlock();
    }
  }

  /** Replaces a queued pod's object; an unschedulable pod is retried since it changed. */
  public void update(PodInfo pod) {
    lock.lock();
    try {
      updateLocked(pod);
    } finally {
      lock.unlock();
    }
  }

  private void updateLocked(PodInfo pod) {
    QueuedPod q = all.get(pod.uid());
    if (q == null) {
      add(pod);
      return;
    }
    q.info = pod;
    if ("unschedulable".equals(where.get(pod.uid()))) {
      unschedulable.remove(pod.uid());
      toBackoffOrActive(q);
    } else if ("active".equals(where.get(pod.uid()))) {
      active.remove(q);
      active.add(q);
    }
  }

  /** Forgets a pod (deleted, or bound by someone). */
  public void delete(String uid) {
    lock.lock();
    try {
      QueuedPod q = all.remove(uid);
      String w = where.remove(uid);
      if (q == null || w == null) {
        return;
      }
      switch (w) {
        case "active" -> active.remove(q);
        case "backoff" -> backoff.remove(q);
        case "unschedulable" -> unschedulable.remove(uid);
        default -> { }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the next pod to schedule, waiting up to {@code timeout}; null on timeout or after
   * {@link #close}. The pod stays known to the queue (in flight) until {@link #done},
   * {@link #requeueUnschedulable} or {@link #requeueBackoff}.
   */
  public QueuedPod pop(Duration timeout) throws InterruptedException {
    lock.lock();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        flushBackoffLocked();
        if (closed) {
          return null;
        }
        QueuedPod q = active.poll();
        if (q != null) {
          where.put(q.info.uid(), "flight");
          q.attempts++;
          q.poppedInCycle = ++schedulingCycle;
          return q;
        }
        long wait = deadline - System.nanoTime();
        if (wait <= 0) {
          return null;
        }
        QueuedPod next = backoff.peek();
        if (next != null) {
          wait = Math.min(wait, Math.max(1_000_000, next.backoffUntilNanos - clock.getAsLong()));
        }
        nonEmpty.awaitNanos(wait);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The pod was scheduled (or is no longer pending): forget it. */
  public void done(String uid) {
    delete(uid);
  }

  /**
   * The pod fits nowhere. It waits for an event in the unschedulable set, or, if an event came
   * while it was being scheduled, goes through backoff right away.
   */
  public void requeueUnschedulable(QueuedPod q) {
    lock.lock();
    try {
      if (all.get(q.info.uid()) != q) {
        return; // deleted meanwhile
      }
      if (moveRequestCycle >= q.poppedInCycle) {
        toBackoffOrActive(q);
      } else {
        q.enqueuedNanos = clock.getAsLong();
        unschedulable.put(q.info.uid(), q);
        where.put(q.info.uid(), "unschedulable");
      }
    } finally {
      lock.unlock();
    }
  }

  /** Scheduling or binding failed with an error: retry after backoff. */
  public void requeueBackoff(QueuedPod q) {
    lock.lock();
    try {
      if (all.get(q.info.uid()) != q) {
        return; // deleted or re-added meanwhile
      }
      q.enqueuedNanos = clock.getAsLong();
      toBackoffOrActive(q);
    } finally {
      lock.unlock();
    }
  }

  /** An event that may make unschedulable pods fit: move them all to backoff or active. */
  public void moveAllUnschedulable() {
    lock.lock();
    try {
      moveRequestCycle = schedulingCycle;
      for (QueuedPod q : new ArrayList<>(unschedulable.values())) {
        toBackoffOrActive(q);
      }
      unschedulable.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Backoff after {@code attempts} failures: 1 s doubling, capped. */
  public Duration backoffFor(int attempts) {
    long ms = initialBackoff.toMillis();
    for (int i = 1; i < attempts && ms < maxBackoff.toMillis(); i++) {
      ms *= 2;
    }
    return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
  }

  private void toBackoffOrActive(QueuedPod q) {
    unschedulable.remove(q.info.uid());
    // enqueuedNanos is the time of the last failure: backoff counts from there.
    long until = q.enqueuedNanos + backoffFor(Math.max(1, q.attempts)).toNanos();
    q.backoffUntilNanos = until;
    if (q.attempts > 0 && until > clock.getAsLong()) {
      backoff.remove(q);
      backoff.add(q);
      where.put(q.info.uid(), "backoff");
      nonEmpty.signalAll();
    } else {
      toActive(q);
    }
  }

  private void toActive(QueuedPod q) {
    backoff.remove(q);
    active.add(q);
    where.put(q.info.uid(), "active");
    nonEmpty.signalAll();
  }

  private void flushBackoffLocked() {
    long now = clock.getAsLong();
    while (!backoff.isEmpty() && backoff.peek().backoffUntilNanos <= now) {
      QueuedPod q = backoff.poll();
      active.add(q);
      where.put(q.info.uid(), "active");
    }
    long limit = now - MAX_UNSCHEDULABLE.toNanos();
    for (Iterator<QueuedPod> it = unschedulable.values().iterator(); it.hasNext(); ) {
      QueuedPod q = it.next();
      if (q.enqueuedNanos < limit) {
        it.remove();
        active.add(q);
        where.put(q.info.uid(), "active");
      }
    }
  }

  /** Pod counts per queue: active, backoff, unschedulable. */
  public Map<String, Integer> sizes() {
    lock.lock();
    try {
      return Map.of("active", active.size(), "backoff", backoff.size(),
          "unschedulable", unschedulable.size());
    } finally {
      lock.unlock();
    }
  }

  /** Uids of the pods in the unschedulable set (for tests). */
  public List<String> unschedulableUids() {
    lock.lock();
    try {
      return new ArrayList<>(unschedulable.keySet());
    } finally {
      lock.unlock();
    }
  }

  /** Wakes and ends every {@link #pop}. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      nonEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
