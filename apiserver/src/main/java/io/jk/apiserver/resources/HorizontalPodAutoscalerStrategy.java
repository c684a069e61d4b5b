package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import io.jk.apiserver.resources.support.Quantity;
import io.jk.apiserver.resources.autoscaling.HpaConversion;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * autoscaling/v2 HorizontalPodAutoscaler: Kubernetes' defaults ({@code minReplicas: 1}, a CPU
 * 80% utilization metric when none is given, the scale-up and scale-down rules filled in when a
 * {@code behavior} is given), validation (replica bounds, {@code scaleTargetRef}, metric specs,
 * behavior rules), a {@code status} subresource and the Table of {@code kubectl get hpa}. Objects
 * in the autoscaling/v1 form ({@code targetCPUUtilizationPercentage}) get v1's defaults and checks;
 * they are stored as v2 ({@code resources.autoscaling.HpaStorage}).
 */
public class HorizontalPodAutoscalerStrategy extends BaseStrategy {

  /** Kubernetes' default CPU utilization target when an HPA names no metric. */
  public static final int DEFAULT_CPU_UTILIZATION = 80;
  private static final List<String> METRIC_TYPES = List.of("ContainerResource", "External", "Object", "Pods", "Resource");
  private static final Map<String, String> MEMBER = Map.of("Resource", "resource", "Pods", "pods", "Object", "object",
      "External", "external", "ContainerResource", "containerResource");
  private static final List<String> TARGET_TYPES = List.of("AverageValue", "Utilization", "Value");
  private static final List<String> SELECT_POLICIES = List.of("Disabled", "Max", "Min");
  private static final List<String> POLICY_TYPES = List.of("Percent", "Pods");
  private static final int MAX_STABILIZATION_SECONDS = 3600;
  private static final int MAX_PERIOD_SECONDS = 1800;

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Reference", "string", "scaleTargetRef points to the target resource to scale, and is used to the pods "
          + "for which metrics should be collected, as well as to actually change the replica count."),
      Tables.col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired "
          + "replica count (the maximum replica count across all metrics will be used)."),
      Tables.col("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the "
          + "autoscaler can scale down."),
      Tables.col("MaxPods", "integer", "maxReplicas is the upper limit for the number of replicas to which the "
          + "autoscaler can scale up. It cannot be less that minReplicas."),
      Tables.col("Replicas", "integer", "currentReplicas is current number of replicas of pods managed by this "
          + "autoscaler, as last seen by the autoscaler."),
      Tables.AGE);

  /** A HorizontalPodAutoscaler strategy. */
  public HorizontalPodAutoscalerStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      return;
    }
    Nodes.defaultInt(spec, "minReplicas", 1);
    if (HpaConversion.isV1(obj)) {
      return; // v1 has no metrics list: no targetCPUUtilizationPercentage means 80%, applied by the controller
    }
    if (Nodes.size(spec, "metrics") == 0) {
      ObjectNode m = spec.putArray("metrics").addObject().put("type", "Resource");
      m.putObject("resource").put("name", "cpu").putObject("target").put("type", "Utilization")
          .put("averageUtilization", DEFAULT_CPU_UTILIZATION);
    }
    ObjectNode behavior = Nodes.object(spec, "behavior");
    if (behavior != null) {
      rules(behavior, "scaleUp", 0, List.of(policy("Pods", 4, 15), policy("Percent", 100, 15)));
      rules(behavior, "scaleDown", null, List.of(policy("Percent", 100, 15)));
    }
  }

  /** Fills a behavior's rules as Kubernetes' {@code GenerateHPAScale{Up,Down}Rules}. */
  private static void rules(ObjectNode behavior, String field, Integer window, List<ObjectNode> policies) {
    ObjectNode r = Nodes.ensureObject(behavior, field);
    if (!Nodes.has(r, "stabilizationWindowSeconds") && window != null) {
      r.put("stabilizationWindowSeconds", window);
    }
    Nodes.defaultText(r, "selectPolicy", "Max");
    if (Nodes.size(r, "policies") == 0) {
      ArrayNode a = r.putArray("policies");
      policies.forEach(a::add);
    }
  }

  private static ObjectNode policy(String type, int value, int period) {
    ObjectNode p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    return p.put("type", type).put("value", value).put("periodSeconds", period);
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    ObjectNode ref = Nodes.object(spec, "scaleTargetRef");
    String kind = Nodes.text(ref, "kind");
    String name = Nodes.text(ref, "name");
    if (kind == null || kind.isEmpty()) {
      errs.add(FieldError.required("spec.scaleTargetRef.kind", ""));
    } else {
      for (String msg : Names.pathSegment(kind)) {
        errs.add(FieldError.invalid("spec.scaleTargetRef.kind", kind, msg));
      }
    }
    if (name == null || name.isEmpty()) {
      errs.add(FieldError.required("spec.scaleTargetRef.name", ""));
    } else {
      for (String msg : Names.pathSegment(name)) {
        errs.add(FieldError.invalid("spec.scaleTargetRef.name", name, msg));
      }
    }
    JsonNode min = spec.get("minReplicas");
    JsonNode max = spec.get("maxReplicas");
    if (min != null && !min.isNull() && (!min.isIntegralNumber() || min.longValue() < 1)) {
      errs.add(FieldError.invalid("spec.minReplicas", render(min), "must be greater than or equal to 1"));
    }
    if (max == null || max.isNull()) {
      errs.add(FieldError.required("spec.maxReplicas", ""));
    } else if (!max.isIntegralNumber() || max.longValue() < 1) {
      errs.add(FieldError.invalid("spec.maxReplicas", render(max), "must be greater than 0"));
    } else if (min != null && min.isIntegralNumber() && max.longValue() < min.longValue()) {
      errs.add(FieldError.invalid("spec.maxReplicas", max.longValue(), "must be greater than or equal to `minReplicas`"));
    }
    if (HpaConversion.isV1(obj)) {
      JsonNode cpu = spec.get("targetCPUUtilizationPercentage");
      if (cpu != null && !cpu.isNull() && (!cpu.isIntegralNumber() || cpu.longValue() < 1)) {
        errs.add(FieldError.invalid("spec.targetCPUUtilizationPercentage", render(cpu), "must be greater than 0"));
      }
      return;
    }
    List<ObjectNode> metrics = Nodes.objects(spec, "metrics");
    for (int i = 0; i < metrics.size(); i++) {
      metric(metrics.get(i), "spec.metrics[" + i + "]", errs);
    }
    ObjectNode behavior = Nodes.object(spec, "behavior");
    if (behavior != null) {
      behaviorRules(Nodes.object(behavior, "scaleUp"), "spec.behavior.scaleUp", errs);
      behaviorRules(Nodes.object(behavior, "scaleDown"), "spec.behavior.scaleDown", errs);
    }
  }

  private static void metric(ObjectNode m, String path, List<FieldError> errs) {
    String type = Nodes.text(m, "type");
    if (type == null || type.isEmpty()) {
      errs.add(FieldError.required(path + ".type", "must specify a metric source type"));
      return;
    }
    if (!METRIC_TYPES.contains(type)) {
      errs.add(FieldError.notSupported(path + ".type", type, METRIC_TYPES));
      return;
    }
    for (Map.Entry<String, String> e : MEMBER.entrySet()) {
      if (!e.getKey().equals(type) && Nodes.has(m, e.getValue())) {
        errs.add(FieldError.forbidden(path + "." + e.getValue(), "must populate the given metric source only"));
      }
    }
    String member = MEMBER.get(type);
    ObjectNode source = Nodes.object(m, member);
    if (source == null) {
      errs.add(FieldError.required(path + "." + member, "must populate information for the given metric source"));
      return;
    }
    if (type.equals("Resource") || type.equals("ContainerResource")) {
      String name = Nodes.text(source, "name");
      if (name == null || name.isEmpty()) {
        errs.add(FieldError.required(path + "." + member + ".name", "must specify a resource name"));
      }
      if (type.equals("ContainerResource") && (Nodes.text(source, "container") == null
          || Nodes.text(source, "container").isEmpty())) {
        errs.add(FieldError.required(path + "." + member + ".container", "must specify a container"));
      }
    } else if (Nodes.object(source, "metric") == null || Nodes.text(Nodes.object(source, "metric"), "name") == null) {
      errs.add(FieldError.required(path + "." + member + ".metric.name", "must specify a metric name"));
    }
    target(Nodes.object(source, "target"), path + "." + member + ".target", type, errs);
  }

  private static void target(ObjectNode t, String path, String metricType, List<FieldError> errs) {
    if (t == null) {
      errs.add(FieldError.required(path, "must specify a metric target"));
      return;
    }
    String type = Nodes.text(t, "type");
    if (type == null || type.isEmpty()) {
      errs.add(FieldError.required(path + ".type", "must specify a metric target type"));
      return;
    }
    if (!TARGET_TYPES.contains(type)) {
      errs.add(FieldError.notSupported(path + ".type", type, TARGET_TYPES));
      return;
    }
    JsonNode util = t.get("averageUtilization");
    if (util != null && !util.isNull() && (!util.isIntegralNumber() || util.longValue() < 1)) {
      errs.add(FieldError.invalid(path + ".averageUtilization", render(util), "must be greater than 0"));
    }
    for (String f : List.of("value", "averageValue")) {
      JsonNode q = t.get(f);
      if (q == null || q.isNull()) {
        continue;
      }
      java.util.Optional<BigDecimal> v = Quantity.parse(q);
      if (v.isEmpty()) {
        errs.add(FieldError.invalid(path + "." + f, render(q), Quantity.FORMAT_ERROR));
      } else if (v.get().signum() <= 0) {
        errs.add(FieldError.invalid(path + "." + f, render(q), "must be positive"));
      }
    }
    switch (type) {
      case "Utilization" -> {
        if (util == null || util.isNull()) {
          errs.add(FieldError.required(path + ".averageUtilization", "must set averageUtilization when type is Utilization"));
        }
        if (!metricType.equals("Resource") && !metricType.equals("ContainerResource")) {
          errs.add(FieldError.invalid(path + ".type", type, "Utilization is only valid for Resource metrics"));
        }
      }
      case "AverageValue" -> {
        if (!Nodes.has(t, "averageValue")) {
          errs.add(FieldError.required(path + ".averageValue", "must set averageValue when type is AverageValue"));
        }
      }
      default -> {
        if (!Nodes.has(t, "value")) {
          errs.add(FieldError.required(path + ".value", "must set value when type is Value"));
        }
      }
    }
  }

  private static void behaviorRules(ObjectNode r, String path, List<FieldError> errs) {
    if (r == null) {
      return;
    }
    JsonNode w = r.get("stabilizationWindowSeconds");
    if (w != null && !w.isNull() && (!w.isIntegralNumber() || w.longValue() < 0 || w.longValue() > MAX_STABILIZATION_SECONDS)) {
      errs.add(FieldError.invalid(path + ".stabilizationWindowSeconds", render(w),
          "must be less than or equal to " + MAX_STABILIZATION_SECONDS + " and greater than or equal to 0"));
    }
    String select = Nodes.text(r, "selectPolicy");
    if (select != null && !SELECT_POLICIES.contains(select)) {
      errs.add(FieldError.notSupported(path + ".selectPolicy", select, SELECT_POLICIES));
    }
    List<ObjectNode> policies = Nodes.objects(r, "policies");
    if (policies.isEmpty() && Nodes.has(r, "policies")) {
      errs.add(FieldError.required(path + ".policies", "must specify at least one Policy"));
    }
    for (int i = 0; i < policies.size(); i++) {
      ObjectNode p = policies.get(i);
      String pp = path + ".policies[" + i + "]";
      String type = Nodes.text(p, "type");
      if (type == null || !POLICY_TYPES.contains(type)) {
        errs.add(type == null ? FieldError.required(pp + ".type", "") : FieldError.notSupported(pp + ".type", type, POLICY_TYPES));
      }
      JsonNode v = p.get("value");
      if (v == null || !v.isIntegralNumber() || v.longValue() <= 0) {
        errs.add(FieldError.invalid(pp + ".value", v == null ? 0 : render(v), "must be greater than zero"));
      }
      JsonNode period = p.get("periodSeconds");
      if (period == null || !period.isIntegralNumber() || period.longValue() <= 0 || period.longValue() > MAX_PERIOD_SECONDS) {
        errs.add(FieldError.invalid(pp + ".periodSeconds", period == null ? 0 : render(period),
            period != null && period.isIntegralNumber() && period.longValue() > MAX_PERIOD_SECONDS
                ? "must be less than or equal to " + MAX_PERIOD_SECONDS : "must be greater than zero"));
      }
    }
  }

  private static Object render(JsonNode v) {
    return v.isIntegralNumber() ? (Object) v.longValue() : v.isTextual() ? v.textValue() : v.toString();
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode given, Instant now) {
    ObjectNode obj = HpaConversion.isV1(given) ? HpaConversion.toV2(given) : given;
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode ref = Nodes.object(spec, "scaleTargetRef");
    String reference = Nodes.str(ref, "kind") + "/" + Nodes.str(ref, "name");
    Long min = Nodes.integer(spec, "minReplicas");
    return List.of(Nodes.name(obj), reference, targets(spec, Nodes.object(obj, "status")),
        min == null ? "<unset>" : Long.toString(min), Tables.intOf(spec, "maxReplicas"),
        Tables.intOf(Nodes.object(obj, "status"), "currentReplicas"), Tables.age(obj, now));
  }

  /** The TARGETS cell as kubectl's {@code formatHPAMetrics}: at most two metrics, then "+ N more...". */
  static String targets(ObjectNode spec, ObjectNode status) {
    List<ObjectNode> specs = Nodes.objects(spec, "metrics");
    if (specs.isEmpty()) {
      return "<none>";
    }
    List<ObjectNode> statuses = Nodes.objects(status, "currentMetrics");
    List<String> list = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      ObjectNode s = specs.get(i);
      ObjectNode st = i < statuses.size() ? statuses.get(i) : null;
      String type = Nodes.str(s, "type");
      String member = MEMBER.get(type);
      if (member == null) {
        list.add("<unknown type>");
        continue;
      }
      ObjectNode target = Nodes.object(s, member, "target");
      ObjectNode current = Nodes.object(st, member, "current");
      boolean resource = type.equals("Resource") || type.equals("ContainerResource");
      String prefix = resource ? Nodes.str(Nodes.object(s, member), "name") + ": " : "";
      String cur = "<unknown>";
      if (Nodes.has(target, "averageValue")) {
        if (Nodes.has(current, "averageValue")) {
          cur = current.get("averageValue").asText();
        }
        boolean avg = type.equals("External") || type.equals("Object");
        list.add(prefix + cur + "/" + target.get("averageValue").asText() + (avg ? " (avg)" : ""));
      } else if (resource) {
        if (Nodes.has(current, "averageUtilization")) {
          cur = current.get("averageUtilization").asLong() + "%";
        }
        String want = Nodes.has(target, "averageUtilization") ? target.get("averageUtilization").asLong() + "%" : "<auto>";
        list.add(prefix + cur + "/" + want);
      } else {
        if (Nodes.has(current, "value")) {
          cur = current.get("value").asText();
        }
        list.add(cur + "/" + (Nodes.has(target, "value") ? target.get("value").asText() : "<unknown>"));
      }
    }
    if (list.size() > 2) {
      return String.join(", ", list.subList(0, 2)) + " + " + (list.size() - 2) + " more...";
    }
    return String.join(", ", list);
  }
}
