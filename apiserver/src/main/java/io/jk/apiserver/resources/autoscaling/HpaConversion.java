package io.jk.apiserver.resources.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;

/**
 * Converts HorizontalPodAutoscalers between autoscaling/v2 (stored) and autoscaling/v1 (the
 * version {@code kubectl autoscale} writes), as Kubernetes does: v1's
 * {@code targetCPUUtilizationPercentage} is a v2 Resource cpu Utilization metric, and what v1
 * cannot say (other metrics, behavior, conditions, current metrics) rides in
 * {@code autoscaling.alpha.kubernetes.io/*} annotations of the v1 object, so a v1 read-modify-write
 * keeps it.
 */
public final class HpaConversion {

  /** Annotation carrying the v2 metrics v1 cannot express. */
  public static final String METRICS = "autoscaling.alpha.kubernetes.io/metrics";
  /** Annotation carrying the v2 behavior. */
  public static final String BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior";
  /** Annotation carrying the status conditions. */
  public static final String CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions";
  /** Annotation carrying the status' current metrics. */
  public static final String CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics";

  private HpaConversion() {}

  /** Whether {@code obj} is in the autoscaling/v1 form. */
  public static boolean isV1(JsonNode obj) {
    return "autoscaling/v1".equals(obj.path("apiVersion").asText());
  }

  /** The v1 form of a v2 object (a new tree; {@code v2} is not changed). */
  public static ObjectNode toV1(ObjectNode v2) {
    ObjectNode out = v2.deepCopy();
    out.put("apiVersion", "autoscaling/v1");
    ObjectNode meta = out.with("metadata");
    JsonNode spec2 = v2.path("spec");
    if (spec2.isObject()) {
      ObjectNode spec = out.putObject("spec");
      copy(spec2, spec, "scaleTargetRef", "minReplicas", "maxReplicas");
      ArrayNode rest = Json.mapper().createArrayNode();
      for (JsonNode m : spec2.path("metrics")) {
        if (isCpuUtilization(m) && !spec.has("targetCPUUtilizationPercentage")) {
          spec.set("targetCPUUtilizationPercentage", m.path("resource").path("target").path("averageUtilization"));
        } else {
          rest.add(m);
        }
      }
      annotate(meta, METRICS, rest.isEmpty() ? null : rest);
      annotate(meta, BEHAVIOR, spec2.get("behavior"));
    }
    JsonNode status2 = v2.path("status");
    if (status2.isObject()) {
      ObjectNode status = out.putObject("status");
      copy(status2, status, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
      if (!status.has("currentReplicas")) {
        status.put("currentReplicas", 0);
      }
      if (!status.has("desiredReplicas")) {
        status.put("desiredReplicas", 0);
      }
      for (JsonNode m : status2.path("currentMetrics")) {
        if ("Resource".equals(m.path("type").asText()) && "cpu".equals(m.path("resource").path("name").asText())
            && m.path("resource").path("current").has("averageUtilization")) {
          status.set("currentCPUUtilizationPercentage", m.path("resource").path("current").get("averageUtilization"));
          break;
        }
      }
      annotate(meta, CONDITIONS, status2.get("conditions"));
      annotate(meta, CURRENT_METRICS, status2.get("currentMetrics"));
    }
    if (meta.path("annotations").isObject() && meta.path("annotations").isEmpty()) {
      meta.remove("annotations");
    }
    return out;
  }

  /**
   * The v2 form of a v1 object (a new tree). Fields of the v2 form already present (an update
   * through v1 starts from the stored v2 object) are kept, after what v1 itself says.
   */
  public static ObjectNode toV2(ObjectNode v1) {
    ObjectNode out = v1.deepCopy();
    out.put("apiVersion", "autoscaling/v2");
    ObjectNode meta = out.with("metadata");
    JsonNode more = unannotate(meta, METRICS);
    JsonNode behaviorNote = unannotate(meta, BEHAVIOR);
    JsonNode conditionsNote = unannotate(meta, CONDITIONS);
    JsonNode currentNote = unannotate(meta, CURRENT_METRICS);
    JsonNode spec1 = v1.path("spec");
    if (spec1.isObject()) {
      ObjectNode spec = out.putObject("spec");
      copy(spec1, spec, "scaleTargetRef", "minReplicas", "maxReplicas");
      ArrayNode metrics = Json.mapper().createArrayNode();
      JsonNode cpu = spec1.get("targetCPUUtilizationPercentage");
      boolean hasCpu = cpu != null && !cpu.isNull();
      if (hasCpu) {
        ObjectNode m = metrics.addObject().put("type", "Resource");
        m.putObject("resource").put("name", "cpu").putObject("target").put("type", "Utilization")
            .set("averageUtilization", cpu);
      }
      for (JsonNode source : new JsonNode[] {spec1.get("metrics"), more}) {
        if (source != null && source.isArray()) {
          for (JsonNode m : source) {
            if (!(hasCpu && isCpuUtilization(m)) && !contains(metrics, m)) {
              metrics.add(m);
            }
          }
        }
      }
      if (!metrics.isEmpty()) {
        spec.set("metrics", metrics);
      }
      JsonNode behavior = spec1.path("behavior").isObject() ? spec1.get("behavior") : behaviorNote;
      if (behavior != null && behavior.isObject()) {
        spec.set("behavior", behavior);
      }
    }
    JsonNode status1 = v1.path("status");
    if (status1.isObject()) {
      ObjectNode status = out.putObject("status");
      copy(status1, status, "observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas");
      JsonNode current = status1.path("currentMetrics").isArray() ? status1.get("currentMetrics") : currentNote;
      if (current != null && current.isArray()) {
        status.set("currentMetrics", current);
      } else if (status1.has("currentCPUUtilizationPercentage")) {
        ObjectNode m = status.putArray("currentMetrics").addObject().put("type", "Resource");
        m.putObject("resource").put("name", "cpu").putObject("current")
            .set("averageUtilization", status1.get("currentCPUUtilizationPercentage"));
      }
      JsonNode conditions = status1.path("conditions").isArray() ? status1.get("conditions") : conditionsNote;
      if (conditions != null && conditions.isArray()) {
        status.set("conditions", conditions);
      }
    }
    if (meta.path("annotations").isObject() && meta.path("annotations").isEmpty()) {
      meta.remove("annotations");
    }
    return out;
  }

  private static boolean contains(ArrayNode a, JsonNode v) {
    for (JsonNode x : a) {
      if (x.equals(v)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isCpuUtilization(JsonNode m) {
    return "Resource".equals(m.path("type").asText()) && "cpu".equals(m.path("resource").path("name").asText())
        && "Utilization".equals(m.path("resource").path("target").path("type").asText())
        && m.path("resource").path("target").has("averageUtilization");
  }

  private static void copy(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      if (from.has(f)) {
        to.set(f, from.get(f));
      }
    }
  }

  private static void annotate(ObjectNode meta, String key, JsonNode value) {
    if (value == null || value.isNull() || (value.isContainerNode() && value.isEmpty())) {
      if (meta.path("annotations").isObject()) {
        ((ObjectNode) meta.get("annotations")).remove(key);
      }
      return;
    }
    meta.with("annotations").put(key, value.toString());
  }

  private static JsonNode unannotate(ObjectNode meta, String key) {
    if (!meta.path("annotations").isObject()) {
      return null;
    }
    JsonNode v = ((ObjectNode) meta.get("annotations")).remove(key);
    if (v == null || !v.isTextual()) {
      return null;
    }
    try {
      return Json.mapper().readTree(v.textValue());
    } catch (IOException e) {
      return null; // a hand-edited annotation that is not JSON: dropped, as Kubernetes ignores it
    }
  }
}
