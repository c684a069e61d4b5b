package io.jk.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code NoSchedule} taints a node's conditions call for, as Kubernetes' TaintNodesByCondition
 * sets them: {@code not-ready} (Ready=False), {@code unreachable} (Ready=Unknown), the pressure
 * conditions, {@code network-unavailable}, and {@code unschedulable} for a cordoned node. Unlike the
 * {@code NoExecute} taints they are not rate-limited: they only keep new pods away (the scheduler
 * honours them at once), so a lost node gets no replacement pods while its own are still waiting
 * for their eviction.
 */
final class ConditionTaints {

  static final String UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
  /** Condition type and status → taint key. */
  private static final Map<String, String> BY_CONDITION = Map.of(
      "Ready/False", Taints.NOT_READY,
      "Ready/Unknown", Taints.UNREACHABLE,
      "MemoryPressure/True", "node.kubernetes.io/memory-pressure",
      "DiskPressure/True", "node.kubernetes.io/disk-pressure",
      "PIDPressure/True", "node.kubernetes.io/pid-pressure",
      "NetworkUnavailable/True", "node.kubernetes.io/network-unavailable");
  private static final Set<String> MANAGED = Set.copyOf(new ArrayList<>(BY_CONDITION.values()) {{ add(UNSCHEDULABLE); }});

  private ConditionTaints() {
  }

  /** The keys of the NoSchedule taints {@code node} should carry. */
  static Set<String> wanted(Node node) {
    Set<String> keys = new LinkedHashSet<>();
    if (node.getStatus() != null && node.getStatus().getConditions() != null) {
      for (NodeCondition c : node.getStatus().getConditions()) {
        String key = BY_CONDITION.get(c.getType() + "/" + c.getStatus());
        if (key != null) {
          keys.add(key);
        }
      }
    }
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      keys.add(UNSCHEDULABLE);
    }
    return keys;
  }

  /**
   * The node's taints with the managed NoSchedule ones made to match {@link #wanted}, or null when
   * they already match (other taints are kept as they are, in order).
   */
  static List<Taint> reconcile(Node node, String timeAdded) {
    List<Taint> current = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    Set<String> wanted = wanted(node);
    Set<String> present = new LinkedHashSet<>();
    List<Taint> out = new ArrayList<>();
    for (Taint t : current) {
      boolean managed = "NoSchedule".equals(t.getEffect()) && MANAGED.contains(t.getKey());
      if (!managed || wanted.contains(t.getKey())) {
        out.add(t);
        if (managed) {
          present.add(t.getKey());
        }
      }
    }
    boolean changed = out.size() != current.size();
    for (String key : wanted) {
      if (!present.contains(key)) {
        out.add(new TaintBuilder().withKey(key).withEffect("NoSchedule").withTimeAdded(timeAdded).build());
        changed = true;
      }
    }
    return changed ? out : null;
  }
}
