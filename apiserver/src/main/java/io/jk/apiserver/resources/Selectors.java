package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.resources.support.Nodes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Label selectors of workloads: validation, matching, and rendering values as Go prints them. */
public final class Selectors {

  private static final List<String> OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");

  private Selectors() {}

  /**
   * Validates a workload's {@code spec.selector} against its template labels: required,
   * non-empty, well-formed and matching {@code spec.template.metadata.labels}.
   *
   * @param kindLower the kind as Kubernetes names it in "empty selector is invalid for deployment"
   */
  public static void validateWorkloadSelector(ObjectNode spec, String kindLower, List<FieldError> errs) {
    JsonNode sel = spec.get("selector");
    if (sel == null || sel.isNull()) {
      errs.add(FieldError.required("spec.selector", ""));
      return;
    }
    if (!(sel instanceof ObjectNode selector)) {
      errs.add(FieldError.invalid("spec.selector", sel.toString(), "must be an object"));
      return;
    }
    if (Nodes.size(selector, "matchExpressions") == 0 && Nodes.stringMap(selector, "matchLabels").isEmpty()) {
      errs.add(FieldError.invalid("spec.selector", render(selector), "empty selector is invalid for " + kindLower));
      return;
    }
    validateSelector(selector, "spec.selector", errs);
    Map<String, String> labels = Nodes.stringMap(Nodes.object(spec, "template", "metadata"), "labels");
    if (!matches(selector, labels)) {
      errs.add(FieldError.invalid("spec.template.metadata.labels", renderMap(labels),
          "`selector` does not match template `labels`"));
    }
  }

  /** Validates the syntax of a label selector at {@code path}. */
  public static void validateSelector(ObjectNode selector, String path, List<FieldError> errs) {
    BaseStrategy.validateLabels(selector.get("matchLabels"), path + ".matchLabels", errs);
    List<ObjectNode> exprs = Nodes.objects(selector, "matchExpressions");
    for (int i = 0; i < exprs.size(); i++) {
      String p = path + ".matchExpressions[" + i + "]";
      ObjectNode e = exprs.get(i);
      String op = Nodes.str(e, "operator");
      int values = Nodes.size(e, "values");
      switch (op) {
        case "In", "NotIn" -> {
          if (values == 0) {
            errs.add(FieldError.required(p + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (values > 0) {
            errs.add(FieldError.forbidden(p + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
          }
        }
        default -> errs.add(FieldError.invalid(p + ".operator", op, "not a valid selector operator"));
      }
      String key = Nodes.str(e, "key");
      for (String msg : io.jk.apiserver.resources.support.Names.qualifiedName(key)) {
        errs.add(FieldError.invalid(p + ".key", key, msg));
      }
    }
  }

  /** Whether {@code labels} match the label selector (matchLabels and matchExpressions). */
  public static boolean matches(JsonNode selector, Map<String, String> labels) {
    if (selector == null || !selector.isObject()) {
      return false;
    }
    for (Map.Entry<String, String> e : Nodes.stringMap(selector, "matchLabels").entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (ObjectNode req : Nodes.objects(selector, "matchExpressions")) {
      String key = Nodes.str(req, "key");
      List<String> values = Nodes.strings(req, "values");
      boolean ok = switch (Nodes.str(req, "operator")) {
        case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
        case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
        case "Exists" -> labels.containsKey(key);
        case "DoesNotExist" -> !labels.containsKey(key);
        default -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A string map as Go's {@code %#v} prints it: {@code map[string]string{"app":"web"}}. */
  public static Object renderMap(Map<String, String> m) {
    StringBuilder b = new StringBuilder("map[string]string{");
    int i = 0;
    for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
      b.append(i++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
    }
    return new Raw(b.append('}').toString());
  }

  /** A label selector roughly as Go's {@code %#v} prints a {@code v1.LabelSelector}. */
  public static Object render(JsonNode selector) {
    Map<String, String> ml = Nodes.stringMap(selector, "matchLabels");
    String labels = Nodes.has(selector, "matchLabels") ? renderMap(ml).toString() : "map[string]string(nil)";
    String exprs = Nodes.size(selector, "matchExpressions") == 0 ? "[]v1.LabelSelectorRequirement(nil)"
        : "[]v1.LabelSelectorRequirement" + selector.get("matchExpressions");
    return new Raw("v1.LabelSelector{MatchLabels:" + labels + ", MatchExpressions:" + exprs + "}");
  }

  /** A value printed as is in a FieldError message (no quotes). */
  public record Raw(String text) {
    @Override
    public String toString() {
      return text;
    }
  }
}
