package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * autoscaling/v2 HorizontalPodAutoscaler: defaults, validation messages, the TARGETS column, and
 * the real {@code kubectl autoscale} / {@code kubectl get hpa} against a live API server.
 */
class HorizontalPodAutoscalerStrategyTest {

  private static final ResourceStrategy S = Strategies.forKind("autoscaling", "HorizontalPodAutoscaler");

  private static ObjectNode hpa(String spec) {
    return Fixtures.yaml("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: d}\n"
        + "spec:\n" + spec);
  }

  private static final String REF = "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n";

  @Test
  void defaultsMinReplicasAndACpuMetricButNoBehaviorUnlessOneIsGiven() throws Exception {
    ObjectNode o = hpa(REF + "  maxReplicas: 5\n");
    S.applyDefaults(o);
    assertEquals(1, o.at("/spec/minReplicas").asInt());
    assertEquals(io.jk.common.json.Json.mapper().readTree("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":"
        + "{\"type\":\"Utilization\",\"averageUtilization\":80}}}]"), o.at("/spec/metrics"));
    assertTrue(o.at("/spec/behavior").isMissingNode());
    assertTrue(S.validate(o).isEmpty(), S.validate(o).toString());
  }

  @Test
  void aGivenBehaviorGetsKubernetesDefaultRules() throws Exception {
    ObjectNode o = hpa(REF + "  maxReplicas: 5\n  behavior:\n    scaleDown: {stabilizationWindowSeconds: 60}\n");
    S.applyDefaults(o);
    JsonNode b = o.at("/spec/behavior");
    assertEquals(60, b.at("/scaleDown/stabilizationWindowSeconds").asInt());
    assertEquals("Max", b.at("/scaleDown/selectPolicy").asText());
    assertEquals(io.jk.common.json.Json.mapper().readTree("[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]"), b.at("/scaleDown/policies"));
    assertEquals(0, b.at("/scaleUp/stabilizationWindowSeconds").asInt());
    assertEquals(io.jk.common.json.Json.mapper().readTree("[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
        + "{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]"), b.at("/scaleUp/policies"));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("maxReplicas below minReplicas", REF + "  minReplicas: 3\n  maxReplicas: 2\n",
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"),
        Arguments.of("minReplicas zero", REF + "  minReplicas: 0\n  maxReplicas: 2\n",
            "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"),
        Arguments.of("maxReplicas missing", REF, "spec.maxReplicas: Required value"),
        Arguments.of("scaleTargetRef missing", "  maxReplicas: 2\n", "spec.scaleTargetRef.kind: Required value"),
        Arguments.of("scaleTargetRef without name", "  scaleTargetRef: {kind: Deployment}\n  maxReplicas: 2\n",
            "spec.scaleTargetRef.name: Required value"),
        Arguments.of("metric without type", REF + "  maxReplicas: 2\n  metrics: [{resource: {name: cpu}}]\n",
            "spec.metrics[0].type: Required value: must specify a metric source type"),
        Arguments.of("unknown metric type", REF + "  maxReplicas: 2\n  metrics: [{type: Bogus}]\n",
            "spec.metrics[0].type: Unsupported value: \"Bogus\""),
        Arguments.of("resource metric without its source", REF + "  maxReplicas: 2\n  metrics: [{type: Resource}]\n",
            "spec.metrics[0].resource: Required value: must populate information for the given metric source"),
        Arguments.of("utilization without a value", REF + "  maxReplicas: 2\n  metrics: [{type: Resource, resource: "
            + "{name: cpu, target: {type: Utilization}}}]\n", "spec.metrics[0].resource.target.averageUtilization: Required value"),
        Arguments.of("average value not a quantity", REF + "  maxReplicas: 2\n  metrics: [{type: Resource, resource: "
            + "{name: memory, target: {type: AverageValue, averageValue: lots}}}]\n",
            "spec.metrics[0].resource.target.averageValue: Invalid value: \"lots\""),
        Arguments.of("scale-down window above an hour", REF + "  maxReplicas: 2\n  behavior: {scaleDown: "
            + "{stabilizationWindowSeconds: 4000}}\n", "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000"),
        Arguments.of("policy of zero pods", REF + "  maxReplicas: 2\n  behavior: {scaleUp: {policies: "
            + "[{type: Pods, value: 0, periodSeconds: 15}]}}\n", "spec.behavior.scaleUp.policies[0].value: Invalid value: 0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejects(String name, String spec, String expected) {
    ObjectNode o = hpa(spec);
    S.applyDefaults(o);
    List<FieldError> errs = S.validate(o);
    assertTrue(errs.stream().anyMatch(e -> (e.field() + ": " + e.message()).startsWith(expected)),
        "want " + expected + " in " + errs);
  }

  @Test
  void tableShowsReferenceTargetsAndBounds() {
    ObjectNode o = hpa(REF + "  minReplicas: 2\n  maxReplicas: 10\n  metrics:\n"
        + "  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}\n"
        + "  - {type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}}\n"
        + "  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 90}}}\n");
    o.set("status", Fixtures.json("{\"currentReplicas\":3,\"desiredReplicas\":3,\"currentMetrics\":["
        + "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":37,\"averageValue\":\"37m\"}}}]}"));
    o.with("metadata").put("creationTimestamp", "2026-01-01T00:00:00Z");
    assertEquals(List.of("Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"),
        S.tableColumns().stream().map(c -> c.name()).toList());
    assertEquals(List.of("web", "Deployment/web", "cpu: 37%/50%, memory: <unknown>/100Mi + 1 more...", "2", 10L, 3L, "5m"),
        S.tableCells(o, Instant.parse("2026-01-01T00:05:00Z")));
  }

  @Test
  void kubectlAppliesAnHpaAndGetPrintsItsTable() throws Exception {
    Assumptions.assumeTrue(LiveServer.hasKubectl(), "kubectl is needed on the PATH");
    try (LiveServer api = new LiveServer()) {
      LiveServer.Run applied = api.kubectl("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
          + "metadata: {name: web}\nspec:\n" + REF + "  minReplicas: 2\n  maxReplicas: 5\n  metrics:\n"
          + "  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}\n",
          "apply", "-f", "-");
      assertEquals(0, applied.exit(), applied.out());
      assertEquals("horizontalpodautoscaler.autoscaling/web created", applied.out().trim());
      LiveServer.Run get = api.kubectl(null, "get", "hpa");
      assertEquals(0, get.exit(), get.out());
      List<String> lines = get.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList();
      assertEquals("NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE", lines.get(0));
      assertTrue(lines.get(1).startsWith("web Deployment/web cpu: <unknown>/60% 2 5 0 "), get.out());
      LiveServer.Run all = api.kubectl(null, "get", "all", "-o", "name");
      assertEquals(1, all.out().lines().filter(l -> l.equals("horizontalpodautoscaler.autoscaling/web")).count(), all.out());
      LiveServer.Run described = api.kubectl(null, "describe", "hpa", "web");
      assertEquals(0, described.exit(), described.out());
      assertTrue(described.out().contains("Reference:") && described.out().contains("Deployment/web"), described.out());
      LiveServer.Run bad = api.kubectl("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
          + "metadata: {name: other}\nspec:\n" + REF + "  minReplicas: 5\n  maxReplicas: 2\n", "apply", "-f", "-");
      assertTrue(bad.exit() != 0 && bad.out().contains("must be greater than or equal to `minReplicas`"), bad.out());
    }
  }

  @Test
  void kubectlAutoscaleWritesV1WhichIsStoredAsV2() throws Exception {
    Assumptions.assumeTrue(LiveServer.hasKubectl(), "kubectl is needed on the PATH");
    try (LiveServer api = new LiveServer()) {
      LiveServer.Run dep = api.kubectl(null, "create", "deployment", "web", "--image=busybox", "--replicas=1");
      assertEquals(0, dep.exit(), dep.out());
      LiveServer.Run as = api.kubectl(null, "autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=60");
      assertEquals(0, as.exit(), as.out());
      assertEquals("horizontalpodautoscaler.autoscaling/web autoscaled", as.out().trim());
      LiveServer.Run get = api.kubectl(null, "get", "hpa");
      assertEquals(0, get.exit(), get.out());
      List<String> lines = get.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList();
      assertEquals("NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE", lines.get(0));
      assertTrue(lines.get(1).startsWith("web Deployment/web cpu: <unknown>/60% 2 5 0 "), get.out());
      LiveServer.Run v2 = api.kubectl(null, "get", "hpa.v2.autoscaling", "web", "-o",
          "jsonpath={.apiVersion} {.spec.metrics[0].resource.target.averageUtilization} {.spec.minReplicas}");
      assertEquals("autoscaling/v2 60 2", v2.out().trim());
      assertEquals(0, api.kubectl(null, "create", "deployment", "plain", "--image=busybox").exit());
      LiveServer.Run none = api.kubectl(null, "autoscale", "deployment", "plain", "--max=3");
      assertEquals(0, none.exit(), none.out());
      // no --cpu-percent: v1 leaves the target unset, which means 80% (the controller's default)
      LiveServer.Run plain = api.kubectl(null, "get", "hpa", "plain", "-o", "jsonpath={.spec.minReplicas} {.spec.maxReplicas}");
      assertEquals("1 3", plain.out().trim());
      // kubectl checks --min/--max itself; the server checks what a v1 manifest says
      LiveServer.Run bad = api.kubectl("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: bad}\n"
          + "spec:\n" + REF + "  maxReplicas: 2\n  targetCPUUtilizationPercentage: 0\n", "create", "-f", "-");
      assertTrue(bad.exit() != 0 && bad.out().contains("spec.targetCPUUtilizationPercentage: Invalid value: 0"), bad.out());
    }
  }

  @Test
  void v1AndV2ConvertBothWaysKeepingWhatV1CannotSay() throws Exception {
    ObjectNode v2 = hpa(REF + "  minReplicas: 2\n  maxReplicas: 9\n  metrics:\n"
        + "  - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}\n"
        + "  - {type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 1Gi}}}\n"
        + "  behavior: {scaleDown: {stabilizationWindowSeconds: 30}}\n");
    v2.set("status", Fixtures.json("{\"currentReplicas\":3,\"desiredReplicas\":4,\"currentMetrics\":[{\"type\":\"Resource\","
        + "\"resource\":{\"name\":\"cpu\",\"current\":{\"averageUtilization\":91}}}],\"conditions\":[{\"type\":\"AbleToScale\","
        + "\"status\":\"True\",\"reason\":\"SucceededRescale\"}]}"));
    ObjectNode v1 = io.jk.apiserver.resources.autoscaling.HpaConversion.toV1(v2);
    assertEquals("autoscaling/v1", v1.path("apiVersion").asText());
    assertEquals(70, v1.at("/spec/targetCPUUtilizationPercentage").asInt());
    assertTrue(v1.at("/spec/metrics").isMissingNode());
    assertEquals(91, v1.at("/status/currentCPUUtilizationPercentage").asInt());
    assertTrue(v1.at("/metadata/annotations").toString().contains("autoscaling.alpha.kubernetes.io/metrics"));
    ObjectNode back = io.jk.apiserver.resources.autoscaling.HpaConversion.toV2(v1);
    assertEquals(v2, back);
  }
}
