package io.jk.common.controller;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What a controller has asked the API server to do and not yet seen in its informer (client-go's
 * {@code ControllerExpectations}). A controller that created 3 pods for a ReplicaSet records
 * {@code expectCreations(key, 3)}; each pod add the informer delivers (or a failed create) lowers
 * the count; until it reaches zero the controller does not act on its cache for that key, so a
 * slow informer never causes extra pods. Expectations older than the TTL (5 minutes) count as
 * satisfied, so a lost event cannot wedge a controller.
 */
public final class ControllerExpectations {

  /** How long an unfulfilled expectation blocks its key. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  private record Expectation(long adds, java.util.Set<String> deletes, long timestampNanos) {}

  private final ConcurrentHashMap<String, Expectation> expectations = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier clock;

  /** Expectations with the default TTL. */
  public ControllerExpectations() {
    this(DEFAULT_TTL, System::nanoTime);
  }

  /** Expectations that expire after {@code ttl}, timed by {@code nanoClock}. */
  public ControllerExpectations(Duration ttl, LongSupplier nanoClock) {
    this.ttlNanos = ttl.toNanos();
    this.clock = nanoClock;
  }

  /** Whether the controller may act on {@code key}: nothing pending, expired, or never set. */
  public boolean satisfied(String key) {
    Expectation e = expectations.get(key);
    if (e == null) {
      return true;
    }
    if (e.adds <= 0 && e.deletes.isEmpty()) {
      return true;
    }
    return clock.getAsLong() - e.timestampNanos > ttlNanos;
  }

  /** Records that {@code count} creations were requested for {@code key} (replaces earlier ones). */
  public void expectCreations(String key, int count) {
    expectations.put(key, new Expectation(count, java.util.Set.of(), clock.getAsLong()));
  }

  /**
   * Records that the dependents {@code dependentKeys} are being deleted for {@code key} (replaces
   * earlier expectations). Tracking keys rather than a count makes repeated delete events (the
   * deletionTimestamp update, then the removal) count once.
   */
  public void expectDeletions(String key, java.util.Collection<String> dependentKeys) {
    expectations.put(key, new Expectation(0, java.util.Set.copyOf(dependentKeys), clock.getAsLong()));
  }

  /** An add was observed, or a create failed: one fewer creation to wait for. */
  public void creationObserved(String key) {
    lowerCreations(key, 1);
  }

  /** The deletion of {@code dependentKey} was observed (or failed): one fewer deletion to wait for. */
  public void deletionObserved(String key, String dependentKey) {
    expectations.computeIfPresent(
        key,
        (k, e) -> {
          if (!e.deletes.contains(dependentKey)) {
            return e;
          }
          java.util.Set<String> rest = new java.util.HashSet<>(e.deletes);
          rest.remove(dependentKey);
          return new Expectation(e.adds, rest, e.timestampNanos);
        });
  }

  /** Lowers the pending creations by {@code n} (e.g. the rest of a batch that was skipped). */
  public void lowerCreations(String key, int n) {
    expectations.computeIfPresent(key, (k, e) -> new Expectation(e.adds - n, e.deletes, e.timestampNanos));
  }

  /** Forgets {@code key} (its owner was deleted). */
  public void delete(String key) {
    expectations.remove(key);
  }

  /** Pending creations for {@code key} (for tests and logs). */
  public long pendingCreations(String key) {
    Expectation e = expectations.get(key);
    return e == null ? 0 : e.adds;
  }
}
