package io.jk.common.controller;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ControllerExpectationsTest {

  @Test
  void creationsBlockUntilObserved() {
    ControllerExpectations e = new ControllerExpectations();
    assertTrue(e.satisfied("ns/rs"), "nothing recorded");
    e.expectCreations("ns/rs", 2);
    assertFalse(e.satisfied("ns/rs"));
    e.creationObserved("ns/rs");
    assertFalse(e.satisfied("ns/rs"));
    e.creationObserved("ns/rs");
    assertTrue(e.satisfied("ns/rs"));
  }

  @Test
  void deletionsCountEachDependentOnce() {
    ControllerExpectations e = new ControllerExpectations();
    e.expectDeletions("ns/rs", List.of("ns/a", "ns/b"));
    e.deletionObserved("ns/rs", "ns/a");
    e.deletionObserved("ns/rs", "ns/a"); // the final delete after the deletionTimestamp update
    assertFalse(e.satisfied("ns/rs"));
    e.deletionObserved("ns/rs", "ns/other");
    assertFalse(e.satisfied("ns/rs"));
    e.deletionObserved("ns/rs", "ns/b");
    assertTrue(e.satisfied("ns/rs"));
  }

  @Test
  void expectationsExpire() {
    AtomicLong now = new AtomicLong();
    ControllerExpectations e = new ControllerExpectations(Duration.ofMinutes(5), now::get);
    e.expectCreations("k", 3);
    now.addAndGet(Duration.ofMinutes(4).toNanos());
    assertFalse(e.satisfied("k"));
    now.addAndGet(Duration.ofMinutes(2).toNanos());
    assertTrue(e.satisfied("k"), "a lost event must not wedge the controller");
  }

  @Test
  void lowerCreationsForSkippedBatches() {
    ControllerExpectations e = new ControllerExpectations();
    e.expectCreations("k", 7);
    e.creationObserved("k");
    e.lowerCreations("k", 6);
    assertTrue(e.satisfied("k"));
  }
}
