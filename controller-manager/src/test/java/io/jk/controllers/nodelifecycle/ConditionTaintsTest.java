package io.jk.controllers.nodelifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConditionTaintsTest {

  private static Node node(boolean unschedulable, List<Taint> taints, String... typeStatus) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName("n").endMetadata()
        .withNewSpec().withUnschedulable(unschedulable).withTaints(taints).endSpec().withNewStatus().endStatus();
    for (int i = 0; i < typeStatus.length; i += 2) {
      b.editStatus().addNewCondition().withType(typeStatus[i]).withStatus(typeStatus[i + 1]).endCondition().endStatus();
    }
    return b.build();
  }

  private static Taint taint(String key, String effect) {
    return new TaintBuilder().withKey(key).withEffect(effect).build();
  }

  @Test
  void conditionsGiveTheirNoScheduleTaintsAsKubernetes() {
    assertEquals(Set.of(), ConditionTaints.wanted(node(false, List.of(), "Ready", "True", "MemoryPressure", "False")));
    assertEquals(Set.of(Taints.NOT_READY), ConditionTaints.wanted(node(false, List.of(), "Ready", "False")));
    assertEquals(Set.of(Taints.UNREACHABLE, "node.kubernetes.io/disk-pressure"),
        ConditionTaints.wanted(node(false, List.of(), "Ready", "Unknown", "DiskPressure", "True")));
    assertEquals(Set.of("node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure", "node.kubernetes.io/network-unavailable"),
        ConditionTaints.wanted(node(false, List.of(), "Ready", "True", "MemoryPressure", "True", "PIDPressure", "True",
            "NetworkUnavailable", "True")));
    assertEquals(Set.of(ConditionTaints.UNSCHEDULABLE), ConditionTaints.wanted(node(true, List.of(), "Ready", "True")));
  }

  @Test
  void reconcileAddsAndRemovesOnlyTheManagedNoScheduleTaints() {
    Taint user = taint("dedicated", "NoSchedule");
    Taint noExecute = taint(Taints.UNREACHABLE, "NoExecute");
    // Unknown: unreachable:NoSchedule added after the others, which stay as they are
    List<Taint> out = ConditionTaints.reconcile(node(false, List.of(user, noExecute), "Ready", "Unknown"), "t");
    assertEquals(List.of("dedicated:NoSchedule", Taints.UNREACHABLE + ":NoExecute", Taints.UNREACHABLE + ":NoSchedule"),
        out.stream().map(t -> t.getKey() + ":" + t.getEffect()).toList());
    // already matching: nothing to write
    assertNull(ConditionTaints.reconcile(node(false, out, "Ready", "Unknown"), "t"));
    // Ready again: the managed NoSchedule taint goes, the NoExecute one is not this pass's business
    assertEquals(List.of("dedicated:NoSchedule", Taints.UNREACHABLE + ":NoExecute"),
        ConditionTaints.reconcile(node(false, out, "Ready", "True"), "t").stream().map(t -> t.getKey() + ":" + t.getEffect()).toList());
  }
}
