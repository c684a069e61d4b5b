package io.jk.scheduler.cache;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import org.junit.jupiter.api.Test;

class SchedulerCacheTest {

  private static int affinityPods(SchedulerCache c) {
    return c.withSnapshot(Snapshot::podsWithAffinity);
  }

  private static int nodes(SchedulerCache c) {
    return c.withSnapshot(s -> s.nodes().size());
  }

  @Test
  void snapshotsCountPodsWithAffinityThroughAssumeForgetBindAndNodeChanges() {
    SchedulerCache c = new SchedulerCache();
    c.upsertNode(node("a").build());
    PodInfo guard = PodInfo.of(pod("guard").antiAffinity("kubernetes.io/hostname", "web").build());
    PodInfo plain = PodInfo.of(pod("plain").build());
    c.assume(guard, "a");
    c.assume(plain, "a");
    assertEquals(1, affinityPods(c));
    c.forget(guard.uid());
    assertEquals(0, affinityPods(c));
    c.addOrUpdateBoundPod(guard, "b"); // bound to a node not seen yet
    assertEquals(0, affinityPods(c));
    c.upsertNode(node("b").build());
    assertEquals(1, affinityPods(c), "a node seen late brings its pods' affinity along");
    assertEquals(2, nodes(c));
    c.removeNode("b");
    assertEquals(0, affinityPods(c));
    assertEquals(1, nodes(c), "the snapshot's node list follows removals");
    c.upsertNode(node("b").build());
    c.removePod(guard.uid());
    assertEquals(0, affinityPods(c));
  }
}
