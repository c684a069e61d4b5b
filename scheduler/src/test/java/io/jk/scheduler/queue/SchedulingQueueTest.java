package io.jk.scheduler.queue;

import static io.jk.scheduler.PodBuilders.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jk.scheduler.framework.PodInfo;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SchedulingQueue q =
      new SchedulingQueue(Duration.ofSeconds(1), Duration.ofSeconds(10), now::get);

  private QueuedPod pop() throws InterruptedException {
    return q.pop(Duration.ofMillis(10));
  }

  @Test
  void higherPriorityComesFirstThenOlder() throws Exception {
    q.add(PodInfo.of(pod("old-low").build(), 0));
    now.addAndGet(1);
    q.add(PodInfo.of(pod("high").build(), 100));
    now.addAndGet(1);
    q.add(PodInfo.of(pod("new-low").build(), 0));
    assertEquals("high", pop().info().name());
    assertEquals("old-low", pop().info().name());
    assertEquals("new-low", pop().info().name());
    assertNull(pop());
  }

  @Test
  void anUnschedulablePodWaitsForAnEventThenForItsBackoff() throws Exception {
    q.add(PodInfo.of(pod("p").build(), 0));
    QueuedPod p = pop();
    q.requeueUnschedulable(p);
    assertNull(pop(), "no event yet: the pod stays unschedulable");
    assertEquals(1, q.sizes().get("unschedulable"));
    q.moveAllUnschedulable();
    assertNull(pop(), "a node was added, but the pod is still backing off for 1 s");
    now.addAndGet(Duration.ofMillis(1001).toNanos());
    assertEquals("p", pop().info().name());
  }

  @Test
  void anEventDuringTheCycleSendsTheFailedPodToBackoffNotToUnschedulable() throws Exception {
    q.add(PodInfo.of(pod("p").build(), 0));
    QueuedPod p = pop();
    q.moveAllUnschedulable(); // e.g. a node was added while p was being scheduled
    q.requeueUnschedulable(p);
    assertEquals(0, q.sizes().get("unschedulable"));
    assertEquals(1, q.sizes().get("backoff"));
  }

  @Test
  void backoffDoublesFromOneSecondUpToTen() {
    assertEquals(Duration.ofSeconds(1), q.backoffFor(1));
    assertEquals(Duration.ofSeconds(2), q.backoffFor(2));
    assertEquals(Duration.ofSeconds(8), q.backoffFor(4));
    assertEquals(Duration.ofSeconds(10), q.backoffFor(5));
    assertEquals(Duration.ofSeconds(10), q.backoffFor(30));
  }

  @Test
  void aDeletedPodIsNeverPopped() throws Exception {
    PodInfo p = PodInfo.of(pod("gone").build(), 0);
    q.add(p);
    q.delete(p.uid());
    assertNull(pop());
  }

  @Test
  void aBindFailureRetriesAfterBackoff() throws Exception {
    q.add(PodInfo.of(pod("p").build(), 0));
    QueuedPod p = pop();
    q.requeueBackoff(p);
    assertNull(pop());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertEquals("p", pop().info().name());
  }
}
