package io.jk.scheduler.plugins;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/** Label selector and node selector matching, as pure functions. */
public final class Selectors {
  private Selectors() {}

  /**
   * Whether {@code labels} match {@code selector}; a null selector matches nothing and an empty
   * one everything (Kubernetes' LabelSelectorAsSelector).
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (var e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!requirement(r.getKey(), r.getOperator(), r.getValues(), l)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether a node matches one node selector term (expressions and fields ANDed). */
  public static boolean matchesTerm(NodeSelectorTerm term, String nodeName,
      Map<String, String> labels) {
    boolean any = false;
    if (term.getMatchExpressions() != null) {
      for (NodeSelectorRequirement r : term.getMatchExpressions()) {
        any = true;
        if (!requirement(r.getKey(), r.getOperator(), r.getValues(), labels)) {
          return false;
        }
      }
    }
    if (term.getMatchFields() != null) {
      for (NodeSelectorRequirement r : term.getMatchFields()) {
        any = true;
        if (!"metadata.name".equals(r.getKey())) {
          return false;
        }
        if (!requirement(r.getKey(), r.getOperator(), r.getValues(),
            Map.of("metadata.name", nodeName))) {
          return false;
        }
      }
    }
    // An empty term matches no objects.
    return any;
  }

  private static boolean requirement(String key, String op, List<String> values,
      Map<String, String> labels) {
    String v = labels.get(key);
    List<String> vals = values == null ? List.of() : values;
    return switch (op == null ? "" : op) {
      case "In" -> v != null && vals.contains(v);
      case "NotIn" -> v == null || !vals.contains(v);
      case "Exists" -> v != null;
      case "DoesNotExist" -> v == null;
      case "Gt", "Lt" -> {
        if (v == null || vals.size() != 1) {
          yield false;
        }
        try {
          long have = Long.parseLong(v);
          long want = Long.parseLong(vals.get(0));
          yield op.equals("Gt") ? have > want : have < want;
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      default -> false;
    };
  }
}
