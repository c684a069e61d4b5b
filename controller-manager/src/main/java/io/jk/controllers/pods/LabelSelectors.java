package io.jk.controllers.pods;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Evaluates {@code metav1.LabelSelector}s against label maps, as Kubernetes does. */
public final class LabelSelectors {

  private LabelSelectors() {}

  /**
   * Whether {@code labels} match {@code selector}. A {@code null} selector matches nothing and an
   * empty one matches everything (Kubernetes' rule for workload selectors).
   *
   * @throws IllegalArgumentException on an unknown operator
   */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, l)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether the selector is empty (selects everything). */
  public static boolean isEmpty(LabelSelector selector) {
    return selector != null
        && (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
  }

  /** The selector in kubectl's string form ({@code app=web,tier in (a,b)}). */
  public static String toString(LabelSelector selector) {
    if (selector == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    if (selector.getMatchLabels() != null) {
      sb.append(
          selector.getMatchLabels().entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(",")));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        List<String> v = r.getValues() == null ? List.of() : r.getValues();
        switch (r.getOperator()) {
          case "In" -> sb.append(r.getKey()).append(" in (").append(String.join(",", v)).append(')');
          case "NotIn" -> sb.append(r.getKey()).append(" notin (").append(String.join(",", v)).append(')');
          case "Exists" -> sb.append(r.getKey());
          case "DoesNotExist" -> sb.append('!').append(r.getKey());
          default -> throw new IllegalArgumentException("unknown label selector operator " + r.getOperator());
        }
      }
    }
    return sb.toString();
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String op = r.getOperator();
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (op) {
      case "In" -> labels.containsKey(r.getKey()) && values.contains(labels.get(r.getKey()));
      case "NotIn" -> !labels.containsKey(r.getKey()) || !values.contains(labels.get(r.getKey()));
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      default -> throw new IllegalArgumentException("unknown label selector operator " + op);
    };
  }
}
