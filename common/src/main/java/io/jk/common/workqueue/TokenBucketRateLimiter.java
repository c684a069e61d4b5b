package io.jk.common.workqueue;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * An overall token bucket shared by all items ({@code qps} refill, {@code burst} capacity): each
 * {@link #when} reserves one token and returns how long until that token exists.
 *
 * @param <K> the item type
 */
public final class TokenBucketRateLimiter<K> implements RateLimiter<K> {

  private final double qps;
  private final double burst;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastNanos;

  /** A bucket refilled at {@code qps} tokens a second holding at most {@code burst}. */
  public TokenBucketRateLimiter(double qps, int burst) {
    this(qps, burst, System::nanoTime);
  }

  TokenBucketRateLimiter(double qps, int burst, LongSupplier nanoClock) {
    if (qps <= 0 || burst < 1) {
      throw new IllegalArgumentException("need qps > 0 and burst >= 1, got qps=" + qps + " burst=" + burst);
    }
    this.qps = qps;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.lastNanos = nanoClock.getAsLong();
  }

  @Override
  public synchronized Duration when(K item) {
    long now = nanoClock.getAsLong();
    tokens = Math.min(burst, tokens + (now - lastNanos) / 1e9 * qps);
    lastNanos = now;
    tokens -= 1;
    if (tokens >= 0) {
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) (-tokens / qps * 1e9));
  }

  @Override
  public void forget(K item) {}

  @Override
  public int numRequeues(K item) {
    return 0;
  }
}
