package io.jk.controllers.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodsTest {

  static Pod pod(String name, String node, String phase, boolean ready, String readySince, int restarts, String created) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace("ns").withCreationTimestamp(created).endMetadata()
        .withNewSpec().withNodeName(node).endSpec()
        .withNewStatus()
        .withPhase(phase)
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").withLastTransitionTime(readySince).endCondition()
        .addNewContainerStatus().withName("c").withRestartCount(restarts).endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void deletionOrderFollowsKubernetes() {
    String t0 = "2026-01-01T00:00:00Z";
    String t1 = "2026-01-01T00:01:00Z";
    Pod unscheduled = pod("unscheduled", null, "Pending", false, t0, 0, t0);
    Pod pending = pod("pending", "n1", "Pending", false, t0, 0, t0);
    Pod unknown = pod("unknown", "n1", "Unknown", false, t0, 0, t0);
    Pod notReady = pod("notready", "n1", "Running", false, t0, 0, t0);
    Pod readyRecently = pod("readyRecently", "n1", "Running", true, t1, 0, t0);
    Pod readyLongManyRestarts = pod("readyLongManyRestarts", "n1", "Running", true, t0, 5, t0);
    Pod readyLongNewer = pod("readyLongNewer", "n1", "Running", true, t0, 0, t1);
    Pod readyLongOlder = pod("readyLongOlder", "n1", "Running", true, t0, 0, t0);
    List<Pod> shuffled = List.of(readyLongOlder, readyRecently, unknown, readyLongNewer, unscheduled, notReady, readyLongManyRestarts, pending);
    List<String> order = Pods.toDelete(shuffled, 8).stream().map(p -> p.getMetadata().getName()).toList();
    assertEquals(
        List.of("unscheduled", "pending", "unknown", "notready", "readyRecently", "readyLongManyRestarts", "readyLongNewer", "readyLongOlder"),
        order);
    assertEquals(List.of("unscheduled", "pending"), Pods.toDelete(shuffled, 2).stream().map(p -> p.getMetadata().getName()).toList());
  }

  @Test
  void availabilityWaitsForMinReadySeconds() {
    Instant now = Instant.parse("2026-01-01T00:00:10Z");
    Pod p = pod("p", "n1", "Running", true, "2026-01-01T00:00:05Z", 0, "2026-01-01T00:00:00Z");
    assertTrue(Pods.isAvailable(p, 0, now));
    assertTrue(Pods.isAvailable(p, 5, now));
    assertFalse(Pods.isAvailable(p, 6, now));
    assertEquals(java.time.Duration.ofSeconds(1), Pods.untilAvailable(p, 6, now));
    assertFalse(Pods.isAvailable(pod("q", "n1", "Running", false, null, 0, null), 0, now));
  }

  @Test
  void labelSelectorsMatchLikeKubernetes() {
    LabelSelector s =
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("app", "web"))
            .addNewMatchExpression().withKey("tier").withOperator("In").withValues("a", "b").endMatchExpression()
            .addNewMatchExpression().withKey("canary").withOperator("DoesNotExist").endMatchExpression()
            .build();
    assertTrue(LabelSelectors.matches(s, Map.of("app", "web", "tier", "a")));
    assertFalse(LabelSelectors.matches(s, Map.of("app", "web", "tier", "c")));
    assertFalse(LabelSelectors.matches(s, Map.of("app", "web", "tier", "a", "canary", "y")));
    assertFalse(LabelSelectors.matches(s, Map.of("app", "db", "tier", "a")));
    assertFalse(LabelSelectors.matches(null, Map.of("app", "web")), "nil selector matches nothing");
    assertTrue(LabelSelectors.matches(new LabelSelector(), Map.of()), "empty selector matches everything");
    assertEquals("app=web,tier in (a,b),!canary", LabelSelectors.toString(s));
    LabelSelector bad = new LabelSelectorBuilder().addNewMatchExpression().withKey("k").withOperator("Near").endMatchExpression().build();
    assertThrows(IllegalArgumentException.class, () -> LabelSelectors.matches(bad, Map.of("k", "v")));
  }
}
