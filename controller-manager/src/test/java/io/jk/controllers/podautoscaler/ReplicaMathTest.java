package io.jk.controllers.podautoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The pure decisions of the autoscaler: replica proposals from usage, and the behavior rules. */
class ReplicaMathTest {

  private static final Map<String, Long> REQ = Map.of("a", 100L, "b", 100L, "c", 100L, "d", 100L);

  static Stream<Arguments> proposals() {
    return Stream.of(
        Arguments.of("double the target doubles the pods", 2, Map.of("a", 100L, "b", 100L), Set.of("a", "b"),
            Set.of("a", "b"), 50, 4),
        Arguments.of("within the 10% tolerance nothing changes", 2, Map.of("a", 54L, "b", 54L), Set.of("a", "b"),
            Set.of("a", "b"), 50, 2),
        Arguments.of("low usage shrinks to what the load needs", 4, Map.of("a", 10L, "b", 10L, "c", 10L, "d", 10L),
            Set.of("a", "b", "c", "d"), Set.of("a", "b", "c", "d"), 50, 1),
        Arguments.of("a pod without metrics counts at the target when scaling down", 3, Map.of("a", 10L, "b", 10L),
            Set.of("a", "b", "c"), Set.of("a", "b", "c"), 50, 2),
        Arguments.of("a pod without metrics counts as idle when scaling up", 2, Map.of("a", 200L),
            Set.of("a", "b"), Set.of("a", "b"), 50, 4),
        Arguments.of("an unready pod counts as idle when scaling up", 2, Map.of("a", 200L, "b", 900L),
            Set.of("a"), Set.of("a", "b"), 50, 4),
        Arguments.of("when the missing pods flip the direction nothing changes", 2, Map.of("a", 60L),
            Set.of("a", "b"), Set.of("a", "b"), 50, 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("proposals")
  void utilization(String name, int current, Map<String, Long> usage, Set<String> ready, Set<String> all, int target,
      int want) {
    assertEquals(want, ReplicaCalculator.utilization(current, usage, REQ, ready, all, target).replicas());
  }

  @Test
  void noMetricsAtAllIsAnErrorNotAScaleToZero() {
    assertThrows(IllegalStateException.class,
        () -> ReplicaCalculator.utilization(2, Map.of(), REQ, Set.of("a", "b"), Set.of("a", "b"), 50));
    assertThrows(IllegalStateException.class,
        () -> ReplicaCalculator.utilization(1, Map.of("x", 5L), Map.of(), Set.of("x"), Set.of("x"), 50));
  }

  @Test
  void averageValueComparesThePerPodAverage() {
    // 3 pods at 300m average against 100m: 9 pods
    assertEquals(9, ReplicaCalculator.averageValue(3, Map.of("a", 300L, "b", 300L, "c", 300L), Set.of("a", "b", "c"), 100)
        .replicas());
  }

  static final ScalingRules.Rules UP = new ScalingRules.Rules(Duration.ZERO, "Max",
      List.of(new ScalingRules.Policy("Pods", 4, 15), new ScalingRules.Policy("Percent", 100, 15)));
  static final ScalingRules.Rules DOWN = new ScalingRules.Rules(Duration.ofSeconds(300), "Max",
      List.of(new ScalingRules.Policy("Percent", 100, 15)));

  @Test
  void scaleDownWaitsForTheWindowWhileScaleUpIsImmediate() {
    ScalingRules r = new ScalingRules();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(8, r.decide(t0, 4, 8, 1, 10, UP, DOWN).replicas());
    r.recordScale(t0, 4, 8);
    // a minute later the load is gone: the 8 recommended within 300 s holds
    ScalingRules.Decision held = r.decide(t0.plusSeconds(60), 8, 2, 1, 10, UP, DOWN);
    assertEquals(8, held.replicas());
    // after the window every remembered recommendation is 2 or older than 300 s
    assertEquals(2, r.decide(t0.plusSeconds(301), 8, 2, 1, 10, UP, DOWN).replicas());
  }

  @Test
  void scaleUpIsLimitedPerPeriodCountingEarlierScaleUps() {
    ScalingRules r = new ScalingRules();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ScalingRules.Decision first = r.decide(t0, 2, 40, 1, 100, UP, DOWN);
    assertEquals(6, first.replicas()); // max(2+4, 2*2)
    assertEquals("ScaleUpLimit", first.limitReason());
    r.recordScale(t0, 2, 6);
    assertEquals(6, r.decide(t0.plusSeconds(5), 6, 40, 1, 100, UP, DOWN).replicas(), "same period: no more");
    assertEquals(12, r.decide(t0.plusSeconds(16), 6, 40, 1, 100, UP, DOWN).replicas(), "next period: +100%");
  }

  @Test
  void boundsWinOverRecommendations() {
    ScalingRules r = new ScalingRules();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    ScalingRules.Decision d = r.decide(t0, 3, 9, 1, 4, UP, new ScalingRules.Rules(Duration.ZERO, "Max", DOWN.policies()));
    assertEquals(4, d.replicas());
    assertEquals("TooManyReplicas", d.limitReason());
    ScalingRules.Decision low = new ScalingRules().decide(t0, 3, 1, 2, 4, UP,
        new ScalingRules.Rules(Duration.ZERO, "Max", DOWN.policies()));
    assertEquals(2, low.replicas());
    assertEquals("TooFewReplicas", low.limitReason());
  }
}
