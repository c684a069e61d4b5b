package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.resources.support.Nodes;
import java.util.List;

/** Checks shared by the workload kinds (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job). */
final class Workloads {

  private Workloads() {}

  /** {@code path} must be an integer ≥ 0 when present. */
  static void nonNegative(ObjectNode parent, String field, String path, List<FieldError> errs) {
    JsonNode v = parent == null ? null : parent.get(field);
    if (v == null || v.isNull()) {
      return;
    }
    if (!v.isIntegralNumber()) {
      errs.add(FieldError.invalid(path, v.isTextual() ? v.textValue() : v.toString(), "must be an integer"));
    } else if (v.longValue() < 0) {
      errs.add(FieldError.invalid(path, v.longValue(), "must be greater than or equal to 0"));
    }
  }

  /** The template's restart policy must be {@code Always} (Deployment, ReplicaSet, DaemonSet, StatefulSet). */
  static void restartAlways(ObjectNode spec, List<FieldError> errs) {
    String rp = Nodes.text(Nodes.object(spec, "template", "spec"), "restartPolicy");
    if (rp != null && !rp.equals("Always")) {
      errs.add(FieldError.notSupported("spec.template.spec.restartPolicy", rp, List.of("Always")));
    }
  }

  /** {@code spec.selector} may not change. */
  static void immutableSelector(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    JsonNode now = Nodes.object(obj, "spec") == null ? null : obj.get("spec").get("selector");
    JsonNode was = Nodes.object(old, "spec") == null ? null : old.get("spec").get("selector");
    if (!Nodes.same(now, was)) {
      errs.add(FieldError.invalid("spec.selector", Selectors.render(now), "field is immutable"));
    }
  }

  /** An int-or-percent value ({@code 1}, {@code "25%"}): null when valid, else the problem. */
  static String intOrPercentProblem(JsonNode v) {
    if (v == null || v.isNull() || v.isIntegralNumber()) {
      return v != null && v.isIntegralNumber() && v.longValue() < 0 ? "must be greater than or equal to 0" : null;
    }
    if (v.isTextual()) {
      String s = v.textValue();
      if (isPercent(s, false)) {
        return Long.parseLong(s.substring(0, Math.min(s.length() - 1, 9))) > 100 ? "must not be greater than 100%" : null;
      }
      return "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
          + "regex used for validation is '[0-9]+%')";
    }
    return "must be an integer or percentage (e.g '5%')";
  }

  /** Whether an int-or-percent value is zero ({@code 0} or {@code "0%"}). */
  static boolean isZero(JsonNode v) {
    return v != null && ((v.isIntegralNumber() && v.longValue() == 0) || (v.isTextual() && isPercent(v.textValue(), true)));
  }

  /** Whether {@code s} matches {@code [0-9]+%} ({@code 0+%} when {@code zero}), scanned rather than compiled per call. */
  private static boolean isPercent(String s, boolean zero) {
    int n = s.length();
    if (n < 2 || s.charAt(n - 1) != '%') {
      return false;
    }
    for (int i = 0; i < n - 1; i++) {
      char c = s.charAt(i);
      if (zero ? c != '0' : c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Renders an int-or-string as Go prints {@code intstr.IntOrString} in messages (simplified). */
  static Object renderIntOrString(JsonNode v) {
    return v.isTextual() ? v.textValue() : v.asLong();
  }

  /** A {@code ready/desired} cell. */
  static String ratio(long a, long b) {
    return a + "/" + b;
  }
}
