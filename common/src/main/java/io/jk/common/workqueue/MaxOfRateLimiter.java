package io.jk.common.workqueue;

import java.time.Duration;
import java.util.List;

/**
 * Combines limiters: the delay is the longest any of them asks for.
 *
 * @param <K> the item type
 */
public final class MaxOfRateLimiter<K> implements RateLimiter<K> {

  private final List<RateLimiter<K>> limiters;

  /** The maximum of {@code limiters}. */
  @SafeVarargs
  public MaxOfRateLimiter(RateLimiter<K>... limiters) {
    this.limiters = List.of(limiters);
  }

  @Override
  public Duration when(K item) {
    Duration max = Duration.ZERO;
    for (RateLimiter<K> l : limiters) {
      Duration d = l.when(item);
      if (d.compareTo(max) > 0) {
        max = d;
      }
    }
    return max;
  }

  @Override
  public void forget(K item) {
    limiters.forEach(l -> l.forget(item));
  }

  @Override
  public int numRequeues(K item) {
    int max = 0;
    for (RateLimiter<K> l : limiters) {
      max = Math.max(max, l.numRequeues(item));
    }
    return max;
  }

  /**
   * client-go's default controller limiter: per-item back-off 5 ms to 1000 s, and an overall
   * bucket of 10 qps with a burst of 100.
   */
  public static <K> RateLimiter<K> defaultControllerRateLimiter() {
    return new MaxOfRateLimiter<>(
        new ExponentialBackoffRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000)),
        new TokenBucketRateLimiter<>(10, 100));
  }
}
