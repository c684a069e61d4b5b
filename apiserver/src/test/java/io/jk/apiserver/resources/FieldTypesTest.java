package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.common.json.Json;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FieldTypesTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a valid pod with every scalar kind", "v1", "Pod", """
            {"metadata":{"name":"p","labels":{"a":"b"}},"spec":{"terminationGracePeriodSeconds":30,
             "hostNetwork":false,"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}],
             "resources":{"limits":{"cpu":0.5,"memory":"64Mi"}},
             "livenessProbe":{"httpGet":{"port":"http","path":"/"}},"env":[{"name":"X","value":"1"}]}],
             "nodeSelector":null}}""", List.of()),
        Arguments.of("an object where a structure is", "v1", "Pod", """
            {"spec":{"containers":[{"name":"a","env":[{"name":"X","valueFrom":{"fieldRef":5}}]}]}}""",
            List.of("spec.containers[0].env[0].valueFrom.fieldRef: expected an object, got the integer 5")),
        Arguments.of("int32 overflow and a string for an integer", "apps", "Deployment", """
            {"spec":{"replicas":2147483648,"minReadySeconds":"5"}}""",
            List.of("spec.replicas: expected an integer (int32), got the integer 2147483648",
                "spec.minReadySeconds: expected an integer (int32), got a string")),
        Arguments.of("a fraction for an integer, a string for a boolean", "v1", "Pod", """
            {"spec":{"activeDeadlineSeconds":1.5,"hostNetwork":"yes"}}""",
            List.of("spec.activeDeadlineSeconds: expected an integer (int64), got the number 1.5",
                "spec.hostNetwork: expected a boolean, got a string")),
        Arguments.of("a list where an object is and an object where a list is", "v1", "Pod", """
            {"metadata":{"labels":["a"]},"spec":{"containers":{"name":"a"}}}""",
            List.of("metadata.labels: expected an object, got a list", "spec.containers: expected a list, got an object")),
        Arguments.of("a map of strings with a number", "v1", "ConfigMap", """
            {"data":{"a":"ok","b":1}}""", List.of("data[b]: expected a string, got the integer 1")),
        Arguments.of("int-or-string and quantity", "apps", "Deployment", """
            {"spec":{"strategy":{"rollingUpdate":{"maxSurge":true,"maxUnavailable":"25%"}},
             "template":{"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":[1]}}}]}}}}""",
            List.of("spec.strategy.rollingUpdate.maxSurge: expected an integer or a string, got a boolean",
                "spec.template.spec.containers[0].resources.requests[cpu]: expected a quantity (a string or a number), got a list")),
        Arguments.of("unknown fields and kinds without a schema are left alone", "example.com", "Widget", """
            {"spec":{"replicas":"x"}}""", List.of()));
  }

  @org.junit.jupiter.api.Test
  void aMissingNodeLeftInTheTreeIsAnUnsetField() throws Exception {
    var ns = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree("{\"spec\":{}}");
    ((com.fasterxml.jackson.databind.node.ObjectNode) ns.get("spec")).set("finalizers",
        com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    assertEquals(List.of(), FieldTypes.find("", "v1", "Namespace", ns));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void findsValuesOfTheWrongType(String name, String group, String kind, String json, List<String> want)
      throws Exception {
    String g = group.equals("v1") ? "" : group;
    String v = "v1";
    assertEquals(want, FieldTypes.find(g, v, kind, Json.mapper().readTree(json)));
  }
}
