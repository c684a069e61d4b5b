package io.jk.common.workqueue;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-item exponential back-off: {@code base * 2^failures}, capped at {@code max}.
 *
 * @param <K> the item type
 */
public final class ExponentialBackoffRateLimiter<K> implements RateLimiter<K> {

  private final long baseNanos;
  private final long maxNanos;
  private final ConcurrentHashMap<K, Integer> failures = new ConcurrentHashMap<>();

  /** A limiter that starts at {@code base} and doubles up to {@code max}. */
  public ExponentialBackoffRateLimiter(Duration base, Duration max) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= max, got base=" + base + " max=" + max);
    }
    this.baseNanos = base.toNanos();
    this.maxNanos = max.toNanos();
  }

  @Override
  public Duration when(K item) {
    int exp = failures.merge(item, 1, Integer::sum) - 1;
    // Beyond 62 doublings any base overflows a long: the cap applies anyway.
    if (exp >= 62 || baseNanos > (maxNanos >> exp)) {
      return Duration.ofNanos(maxNanos);
    }
    return Duration.ofNanos(baseNanos << exp);
  }

  @Override
  public void forget(K item) {
    failures.remove(item);
  }

  @Override
  public int numRequeues(K item) {
    return failures.getOrDefault(item, 0);
  }
}
