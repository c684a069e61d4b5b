package io.jk.common.workqueue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

  private static WorkQueue<String> queue() {
    return new WorkQueue<>("test", MaxOfRateLimiter.defaultControllerRateLimiter(), new SimpleMeterRegistry());
  }

  @Test
  void repeatedAddsCollapse() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      q.add("b");
      q.add("a");
      assertEquals(2, q.len());
      assertEquals("a", q.get());
      assertEquals("b", q.get());
      assertEquals(0, q.len());
    }
  }

  @Test
  void itemBeingProcessedIsNotHandedOutAgainUntilDone() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.add("a");
      String item = q.get();
      q.add("a"); // added while processing: dirty, not queued
      q.add("a");
      assertEquals(0, q.len());
      q.done(item);
      assertEquals(1, q.len(), "re-queued once by done()");
      assertEquals("a", q.get());
      q.done("a");
      assertEquals(0, q.len());
    }
  }

  @Test
  void neverProcessedByTwoWorkersAtOnce() throws Exception {
    WorkQueue<String> q = queue();
    ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger processed = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  String k;
                  while ((k = q.get()) != null) {
                    int c = inFlight.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
                    maxConcurrent.accumulateAndGet(c, Math::max);
                    Thread.onSpinWait();
                    inFlight.get(k).decrementAndGet();
                    processed.incrementAndGet();
                    q.done(k);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      t.start();
      workers.add(t);
    }
    for (int i = 0; i < 20_000; i++) {
      q.add("k" + (i % 5));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> q.len() == 0);
    q.shutDown();
    for (Thread t : workers) {
      t.join(5000);
    }
    assertEquals(1, maxConcurrent.get());
    assertTrue(processed.get() >= 5);
  }

  @Test
  void addAfterDelaysTheItem() throws Exception {
    try (WorkQueue<String> q = queue()) {
      long start = System.nanoTime();
      q.addAfter("x", Duration.ofMillis(150));
      assertEquals(0, q.len());
      assertEquals("x", q.get());
      assertTrue(System.nanoTime() - start >= Duration.ofMillis(140).toNanos());
    }
  }

  @Test
  void rateLimitedAddsBackOffUntilForgotten() throws Exception {
    try (WorkQueue<String> q = queue()) {
      q.addRateLimited("x");
      q.addRateLimited("x");
      q.addRateLimited("x");
      assertEquals(3, q.numRequeues("x"));
      assertEquals("x", q.get());
      q.forget("x");
      assertEquals(0, q.numRequeues("x"));
    }
  }

  @Test
  void getReturnsNullAfterShutdownOnceDrained() throws Exception {
    WorkQueue<String> q = queue();
    q.add("a");
    q.shutDown();
    q.add("b"); // ignored
    assertEquals("a", q.get());
    assertNull(q.get());
  }

  @Test
  void shutdownWakesBlockedGetters() throws Exception {
    WorkQueue<String> q = queue();
    AtomicReference<String> got = new AtomicReference<>("unset");
    Thread t =
        new Thread(
            () -> {
              try {
                got.set(q.get());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    t.start();
    q.shutDown();
    t.join(5000);
    assertNull(got.get());
  }

  @Test
  void metricsAreExportedWithPrometheusNames() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (WorkQueue<String> q = new WorkQueue<>("deployment",
        // a long back-off, so the retried item is still waiting when the metrics are read
        new ExponentialBackoffRateLimiter<>(Duration.ofSeconds(30), Duration.ofSeconds(30)), registry)) {
      q.add("a");
      q.add("b");
      q.done(q.get());
      q.addRateLimited("c");
      String text = registry.scrape();
      assertTrue(text.contains("workqueue_depth{name=\"deployment\"} 1.0"), text);
      assertTrue(text.contains("workqueue_adds_total{name=\"deployment\"} 2.0"), text);
      assertTrue(text.contains("workqueue_retries_total{name=\"deployment\"} 1.0"), text);
      assertTrue(text.contains("workqueue_queue_duration_seconds_count{name=\"deployment\"} 1"), text);
      assertTrue(text.contains("workqueue_work_duration_seconds_count{name=\"deployment\"} 1"), text);
    }
  }
}
