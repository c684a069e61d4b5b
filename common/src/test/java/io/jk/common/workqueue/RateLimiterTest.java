package io.jk.common.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  @Test
  void exponentialBackoffDoublesFrom5msAndCapsAt1000s() {
    ExponentialBackoffRateLimiter<String> l =
        new ExponentialBackoffRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000));
    assertEquals(Duration.ofMillis(5), l.when("a"));
    assertEquals(Duration.ofMillis(10), l.when("a"));
    assertEquals(Duration.ofMillis(20), l.when("a"));
    assertEquals(Duration.ofMillis(5), l.when("b"), "per item");
    for (int i = 0; i < 100; i++) {
      l.when("a");
    }
    assertEquals(Duration.ofSeconds(1000), l.when("a"));
    assertEquals(104, l.numRequeues("a"));
    l.forget("a");
    assertEquals(Duration.ofMillis(5), l.when("a"));
  }

  @Test
  void tokenBucketAllowsBurstThenPacesAtQps() {
    AtomicLong now = new AtomicLong(0);
    TokenBucketRateLimiter<String> l = new TokenBucketRateLimiter<>(10, 3, now::get);
    assertEquals(Duration.ZERO, l.when("a"));
    assertEquals(Duration.ZERO, l.when("b"));
    assertEquals(Duration.ZERO, l.when("c"));
    assertEquals(Duration.ofMillis(100), l.when("d"));
    assertEquals(Duration.ofMillis(200), l.when("e"));
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertEquals(Duration.ZERO, l.when("f"), "refilled");
  }

  @Test
  void maxOfTakesTheLongestDelay() {
    RateLimiter<String> l = MaxOfRateLimiter.defaultControllerRateLimiter();
    assertEquals(Duration.ofMillis(5), l.when("a"));
    assertEquals(Duration.ofMillis(10), l.when("a"));
  }

  @Test
  void badArgumentsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new ExponentialBackoffRateLimiter<String>(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucketRateLimiter<String>(0, 1));
  }
}
