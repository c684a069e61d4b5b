package io.jk.common.workqueue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A rate-limited work queue with client-go's semantics ({@code util/workqueue}).
 *
 * <ul>
 *   <li>An item added while it waits is not added twice ({@code dirty} set): adds collapse.
 *   <li>An item being processed is never handed out again until {@link #done}: if it is added
 *       meanwhile it is marked dirty and queued again by {@code done} ({@code processing} set).
 *   <li>{@link #addRateLimited} waits as long as the {@link RateLimiter} says; {@link #forget}
 *       resets the item's back-off; {@link #addAfter} waits a fixed delay.
 *   <li>After {@link #shutDown}, {@link #get} returns {@code null} once the queue is empty and
 *       adds are ignored.
 * </ul>
 *
 * <p>Metrics, labelled {@code name}: {@code workqueue_depth}, {@code workqueue_adds_total},
 * {@code workqueue_queue_duration_seconds}, {@code workqueue_work_duration_seconds},
 * {@code workqueue_retries_total}.
 *
 * @param <K> the item type (keys such as {@code namespace/name}); needs equals and hashCode
 */
public final class WorkQueue<K> implements AutoCloseable {

  private final String name;
  private final RateLimiter<K> rateLimiter;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<K> queue = new ArrayDeque<>();
  private final Set<K> dirty = new HashSet<>();
  private final Set<K> processing = new HashSet<>();
  private final Map<K, Long> addedAt = new HashMap<>();
  private final Map<K, Long> startedAt = new HashMap<>();
  private final ScheduledExecutorService delayer;
  private boolean shuttingDown;

  private final Counter adds;
  private final Counter retries;
  private final Timer queueDuration;
  private final Timer workDuration;

  /** A queue named {@code name} (the metrics label) using {@code rateLimiter}. */
  public WorkQueue(String name, RateLimiter<K> rateLimiter, MeterRegistry registry) {
    this.name = Objects.requireNonNull(name, "name");
    this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
    this.delayer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "workqueue-delay-" + name);
              t.setDaemon(true);
              return t;
            });
    Gauge.builder("workqueue.depth", this, WorkQueue::len)
        .description("Current depth of the work queue")
        .tag("name", name)
        .register(registry);
    adds = Counter.builder("workqueue.adds").tag("name", name).description("Adds handled by the work queue").register(registry);
    retries = Counter.builder("workqueue.retries").tag("name", name).description("Rate-limited retries").register(registry);
    queueDuration =
        Timer.builder("workqueue.queue.duration").tag("name", name).description("Time an item waits before it is processed").register(registry);
    workDuration =
        Timer.builder("workqueue.work.duration").tag("name", name).description("Time spent processing an item").register(registry);
  }

  /** The queue's name. */
  public String name() {
    return name;
  }

  /** Marks {@code item} as needing processing. */
  public void add(K item) {
    Objects.requireNonNull(item, "item");
    lock.lock();
    try {
      if (shuttingDown || dirty.contains(item)) {
        return;
      }
      adds.increment();
      dirty.add(item);
      addedAt.putIfAbsent(item, System.nanoTime());
      if (processing.contains(item)) {
        return; // done() re-queues it
      }
      queue.addLast(item);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Adds {@code item} after {@code delay} (at once if the delay is zero or negative). */
  public void addAfter(K item, Duration delay) {
    Objects.requireNonNull(item, "item");
    if (isShuttingDown()) {
      return;
    }
    if (delay.isZero() || delay.isNegative()) {
      add(item);
      return;
    }
    try {
      delayer.schedule(() -> add(item), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // shut down meanwhile: adds are ignored after shutdown anyway
    }
  }

  /** Adds {@code item} after the delay the rate limiter gives it (its back-off on failure). */
  public void addRateLimited(K item) {
    retries.increment();
    addAfter(item, rateLimiter.when(item));
  }

  /** Resets {@code item}'s back-off; call after it was processed successfully. */
  public void forget(K item) {
    rateLimiter.forget(item);
  }

  /** How many times {@code item} was rate-limited since it was last forgotten. */
  public int numRequeues(K item) {
    return rateLimiter.numRequeues(item);
  }

  /**
   * Blocks until an item is available and marks it as processing; the caller must call
   * {@link #done} with it. Returns {@code null} when the queue is shut down.
   */
  public K get() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !shuttingDown) {
        notEmpty.await();
      }
      if (queue.isEmpty()) {
        return null;
      }
      K item = queue.pollFirst();
      processing.add(item);
      dirty.remove(item);
      long now = System.nanoTime();
      Long added = addedAt.remove(item);
      if (added != null) {
        queueDuration.record(now - added, TimeUnit.NANOSECONDS);
      }
      startedAt.put(item, now);
      return item;
    } finally {
      lock.unlock();
    }
  }

  /** Ends processing of {@code item}; if it was added meanwhile it is queued again. */
  public void done(K item) {
    lock.lock();
    try {
      processing.remove(item);
      Long started = startedAt.remove(item);
      if (started != null) {
        workDuration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      }
      if (dirty.contains(item)) {
        queue.addLast(item);
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The number of items waiting (not counting those being processed or delayed). */
  public int len() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #shutDown} was called. */
  public boolean isShuttingDown() {
    lock.lock();
    try {
      return shuttingDown;
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting items; blocked and later {@link #get} calls return {@code null} once drained. */
  public void shutDown() {
    lock.lock();
    try {
      shuttingDown = true;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    delayer.shutdownNow();
  }

  @Override
  public void close() {
    shutDown();
  }
}
