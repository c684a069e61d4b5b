package io.jk.controllers.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import org.junit.jupiter.api.Test;

class RollingMathTest {

  @Test
  void percentagesRoundSurgeUpAndUnavailableDown() {
    RollingMath.Limits l = RollingMath.limits(new IntOrString("25%"), new IntOrString("25%"), 10);
    assertEquals(3, l.maxSurge());
    assertEquals(2, l.maxUnavailable());
    RollingMath.Limits defaults = RollingMath.limits(null, null, 4);
    assertEquals(new RollingMath.Limits(1, 1), defaults);
    assertEquals(new RollingMath.Limits(2, 0), RollingMath.limits(new IntOrString(2), new IntOrString(0), 5));
  }

  @Test
  void bothZeroMeansOneUnavailable() {
    assertEquals(new RollingMath.Limits(0, 1), RollingMath.limits(new IntOrString(0), new IntOrString("0%"), 3));
    // 10% of 1: surge rounds up to 1, unavailable down to 0.
    assertEquals(new RollingMath.Limits(1, 0), RollingMath.limits(new IntOrString("10%"), new IntOrString("10%"), 1));
  }

  @Test
  void badValuesAreRejectedClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RollingMath.limits(new IntOrString("abc"), null, 3));
    assertTrue(e.getMessage().contains("abc"));
    assertThrows(IllegalArgumentException.class, () -> RollingMath.limits(new IntOrString(-1), null, 3));
    assertThrows(IllegalArgumentException.class, () -> RollingMath.limits(null, new IntOrString("x%"), 3));
  }

  @Test
  void newReplicaSetGrowsWithinSurge() {
    RollingMath.Limits l = new RollingMath.Limits(2, 1);
    // 10 replicas, all old: the new RS may get 2 (total 12).
    assertEquals(2, RollingMath.newReplicaSetReplicas(10, l, 10, 0));
    // already at 12 total: no growth.
    assertEquals(2, RollingMath.newReplicaSetReplicas(10, l, 12, 2));
    // old scaled to 5: new may reach 7.
    assertEquals(7, RollingMath.newReplicaSetReplicas(10, l, 7, 2));
    // never above replicas.
    assertEquals(10, RollingMath.newReplicaSetReplicas(10, l, 9, 9));
    assertEquals(10, RollingMath.newReplicaSetReplicas(10, l, 15, 15));
  }

  @Test
  void oldScaleDownKeepsMinimumAvailable() {
    RollingMath.Limits l = new RollingMath.Limits(2, 1);
    // 12 spec (10 old + 2 new unavailable): min available 9 → 12 - 9 - 2 = 1.
    assertEquals(1, RollingMath.maxScaleDown(10, l, 12, 2, 0));
    // new pods all available: 12 - 9 - 0 = 3.
    assertEquals(3, RollingMath.maxScaleDown(10, l, 12, 2, 2));
    assertEquals(0, RollingMath.maxScaleDown(10, new RollingMath.Limits(1, 0), 10, 1, 0));
  }

  @Test
  void podTemplateHashIgnoresItsOwnLabelAndChangesWithTheTemplate() {
    PodTemplateSpec a = new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().build();
    PodTemplateSpec aHashed = new PodTemplateSpecBuilder(a).editMetadata().addToLabels(PodTemplateHash.LABEL, "xyz").endMetadata().build();
    PodTemplateSpec b = new PodTemplateSpecBuilder(a).editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().build();
    String h = PodTemplateHash.of(a, null);
    assertEquals(h, PodTemplateHash.of(aHashed, null));
    assertNotEquals(h, PodTemplateHash.of(b, null));
    assertNotEquals(h, PodTemplateHash.of(a, 1), "collision count changes the hash");
    assertTrue(h.matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}"), h);
    assertTrue(PodTemplateHash.equalIgnoringHash(a, aHashed));
    assertTrue(!PodTemplateHash.equalIgnoringHash(a, b));
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> proportionalCases() {
    RollingMath.Sized old10 = new RollingMath.Sized("old", 10, 13, "1");
    RollingMath.Sized new3 = new RollingMath.Sized("new", 3, 13, "2");
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("scaling 10 to 20 mid-rollout spreads +10 as 8 and 2",
            java.util.List.of(old10, new3), 20, 3, java.util.Map.of("old", 18, "new", 5)),
        org.junit.jupiter.params.provider.Arguments.of("scaling 20 to 5 spreads -15 as -12 and -3",
            java.util.List.of(new RollingMath.Sized("old", 18, 23, "1"), new RollingMath.Sized("new", 5, 23, "2")), 5, 3,
            java.util.Map.of("old", 6, "new", 2)),
        org.junit.jupiter.params.provider.Arguments.of("rounding leftovers go to the largest",
            java.util.List.of(new RollingMath.Sized("a", 1, 3, "1"), new RollingMath.Sized("b", 1, 3, "2"),
                new RollingMath.Sized("c", 1, 3, "3")), 4, 0, java.util.Map.of("a", 1, "b", 1, "c", 2)),
        org.junit.jupiter.params.provider.Arguments.of("scaling to zero empties every ReplicaSet",
            java.util.List.of(old10, new3), 0, 0, java.util.Map.of("old", 0, "new", 0)),
        org.junit.jupiter.params.provider.Arguments.of("without the annotation the Deployment's status size is the base",
            java.util.List.of(new RollingMath.Sized("old", 10, 0, "1"), new RollingMath.Sized("new", 3, 0, "2")), 20, 3,
            java.util.Map.of("old", 18, "new", 5)));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("proportionalCases")
  void proportionalScalingFollowsKubernetes(String name, java.util.List<RollingMath.Sized> rss, int replicas, int surge,
      java.util.Map<String, Integer> want) {
    java.util.Map<String, Integer> got = RollingMath.proportional(rss, replicas, surge, 13);
    assertEquals(want, got);
    assertEquals(replicas + surge, got.values().stream().mapToInt(Integer::intValue).sum(), "the total is replicas + maxSurge");
  }
}
