package io.jk.scheduler;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreemptionTest {
  private final Framework fw = Plugins.framework(SchedulerConfig.defaults(), null);

  private NodeInfo withPods(String name, io.fabric8.kubernetes.api.model.Pod... pods) {
    return nodeInfo(node(name).capacity("2", "4Gi", "110").build(), pods);
  }

  private Preemption.Outcome run(PodInfo pod, List<NodeInfo> nodes) {
    CycleState state = new CycleState();
    var r = fw.schedule(state, pod, new Snapshot(nodes));
    return Preemption.find(fw, state, pod, new Snapshot(nodes), r.diagnosis().nodeStatuses());
  }

  @Test
  void theNodeWhoseVictimsHaveTheLowestPriorityIsChosenAndOnlyNeededVictimsAreEvicted() {
    NodeInfo a = withPods("a", pod("a-mid").cpu("1").priority(50).build(),
        pod("a-low").cpu("1").priority(10).build());
    NodeInfo b = withPods("b", pod("b-mid1").cpu("1").priority(50).build(),
        pod("b-mid2").cpu("1").priority(60).build());
    var out = run(PodInfo.of(pod("hi").cpu("1").priority(100).build()), List.of(a, b));
    assertEquals("a", out.candidate().nodeName());
    assertEquals(List.of("a-low"), out.candidate().victims().stream().map(PodInfo::name).toList());
  }

  @Test
  void podsOfEqualOrHigherPriorityAreNeverVictims() {
    NodeInfo a = withPods("a", pod("same").cpu("2").priority(100).build());
    var out = run(PodInfo.of(pod("hi").cpu("1").priority(100).build()), List.of(a));
    assertNull(out.candidate());
    assertEquals("preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
        out.message());
  }

  @Test
  void preemptionPolicyNeverIsRespected() {
    var p = pod("hi").cpu("1").priority(100).build();
    p.getSpec().setPreemptionPolicy("Never");
    NodeInfo a = withPods("a", pod("low").cpu("2").priority(1).build());
    var out = run(PodInfo.of(p), List.of(a));
    assertNull(out.candidate());
    assertEquals("preemption: not eligible due to preemptionPolicy=Never.", out.message());
  }

  @Test
  void roomHeldForANominatedPreemptorIsNotGivenToALowerPriorityPod() {
    NodeInfo a = withPods("a");
    PodInfo preemptor = PodInfo.of(pod("hi").cpu("2").priority(100).build());
    Framework f = Plugins.framework(SchedulerConfig.defaults(), null);
    f.setNominatedPods(node -> node.equals("a") ? List.of(preemptor) : List.of());
    var low = f.schedule(new CycleState(), PodInfo.of(pod("low").cpu("1").priority(1).build()),
        new Snapshot(List.of(a)));
    assertNull(low.nodeName(), "the nominated preemptor holds the whole node");
    var higher = f.schedule(new CycleState(),
        PodInfo.of(pod("higher").cpu("1").priority(1000).build()), new Snapshot(List.of(a)));
    assertEquals("a", higher.nodeName(), "a pod of higher priority than the nominee may take it");
  }
}
