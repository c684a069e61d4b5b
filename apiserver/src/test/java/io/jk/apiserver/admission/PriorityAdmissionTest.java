package io.jk.apiserver.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.resources.LiveServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Priority admission on a real API server: built-in classes at start, {@code priorityClassName}
 * resolved into {@code priority}/{@code preemptionPolicy}, the global default, and Kubernetes'
 * 403s for unknown classes, disagreeing priorities and a second global default.
 */
class PriorityAdmissionTest {

  static LiveServer api;

  @BeforeAll
  static void start() throws Exception {
    api = new LiveServer();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static String pod(String name, String specExtra) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{" + specExtra
        + (specExtra.isEmpty() ? "" : ",") + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
  }

  private static String priorityClass(String name, long value, boolean globalDefault, String policy) {
    return "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"" + name
        + "\"},\"value\":" + value + ",\"globalDefault\":" + globalDefault
        + (policy == null ? "" : ",\"preemptionPolicy\":\"" + policy + "\"") + "}";
  }

  private static JsonNode createPod(String body) throws Exception {
    LiveServer.Res r = api.send("POST", "/api/v1/namespaces/default/pods", body);
    assertEquals(201, r.code(), r.body());
    return r.json();
  }

  @Test
  void builtInClassesExistAndResolveForPods() throws Exception {
    JsonNode node = api.send("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical", null).json();
    assertEquals(2000001000L, node.path("value").asLong());
    JsonNode cluster = api.send("GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical", null).json();
    assertEquals(2000000000L, cluster.path("value").asLong());

    JsonNode pod = createPod(pod("critical", "\"priorityClassName\":\"system-cluster-critical\""));
    assertEquals(2000000000L, pod.path("spec").path("priority").asLong());
    assertEquals("PreemptLowerPriority", pod.path("spec").path("preemptionPolicy").asText());
    JsonNode stored = api.send("GET", "/api/v1/namespaces/default/pods/critical", null).json();
    assertEquals(2000000000L, stored.path("spec").path("priority").asLong());
  }

  @Test
  void anUnknownClassIsForbiddenInKubernetesWords() throws Exception {
    LiveServer.Res r = api.send("POST", "/api/v1/namespaces/default/pods", pod("x", "\"priorityClassName\":\"foo\""));
    assertEquals(403, r.code(), r.body());
    assertEquals("Forbidden", r.json().path("reason").asText());
    assertEquals("pods \"x\" is forbidden: no PriorityClass with name foo was found", r.json().path("message").asText());
    assertEquals(404, api.send("GET", "/api/v1/namespaces/default/pods/x", null).code(), "nothing was stored");
    if (LiveServer.hasKubectl()) {
      LiveServer.Run run = api.kubectl(null, "run", "y", "--image=busybox", "--overrides",
          "{\"spec\":{\"priorityClassName\":\"foo\"}}");
      assertEquals(1, run.exit(), run.out());
      assertEquals("Error from server (Forbidden): pods \"y\" is forbidden: no PriorityClass with name foo was found\n",
          run.out());
    }
  }

  @Test
  void aUserClassGivesItsValueAndPolicyAndADisagreeingPriorityIsForbidden() throws Exception {
    assertEquals(201, api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
        priorityClass("batch-low", 1000, false, "Never")).code());
    await().atMost(Duration.ofSeconds(5)).until(() ->
        api.send("POST", "/api/v1/namespaces/default/pods", pod("b1", "\"priorityClassName\":\"batch-low\"")).code() == 201);
    JsonNode b1 = api.send("GET", "/api/v1/namespaces/default/pods/b1", null).json();
    assertEquals(1000, b1.path("spec").path("priority").asLong());
    assertEquals("Never", b1.path("spec").path("preemptionPolicy").asText());

    createPod(pod("b2", "\"priorityClassName\":\"batch-low\",\"priority\":1000"));
    LiveServer.Res wrong = api.send("POST", "/api/v1/namespaces/default/pods",
        pod("b3", "\"priorityClassName\":\"batch-low\",\"priority\":5"));
    assertEquals(403, wrong.code(), wrong.body());
    assertEquals("pods \"b3\" is forbidden: the integer value of priority (5) must not be provided in pod spec; "
        + "priority admission controller computed 1000 from the given PriorityClass name", wrong.json().path("message").asText());
    LiveServer.Res policy = api.send("POST", "/api/v1/namespaces/default/pods",
        pod("b4", "\"priorityClassName\":\"batch-low\",\"preemptionPolicy\":\"PreemptLowerPriority\""));
    assertEquals(403, policy.code(), policy.body());
  }

  @Test
  void theOneGlobalDefaultAppliesToPodsNamingNoClass() throws Exception {
    JsonNode plain = createPod(pod("before-default", ""));
    assertEquals(0, plain.path("spec").path("priority").asLong());
    assertTrue(plain.path("spec").path("priorityClassName").asText("").isEmpty());

    assertEquals(201, api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
        priorityClass("everyone", 77, true, null)).code());
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      LiveServer.Res second = api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
          priorityClass("another-default", 5, true, null));
      assertEquals(403, second.code(), second.body());
      assertEquals("priorityclasses.scheduling.k8s.io \"another-default\" is forbidden: PriorityClass everyone is "
          + "already marked as default. Only one default can exist", second.json().path("message").asText());
    });
    JsonNode defaulted = createPod(pod("after-default", ""));
    assertEquals(77, defaulted.path("spec").path("priority").asLong());
    assertEquals("everyone", defaulted.path("spec").path("priorityClassName").asText());

    assertEquals(200, api.send("DELETE", "/apis/scheduling.k8s.io/v1/priorityclasses/everyone", null).code());
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      LiveServer.Res r = api.send("POST", "/api/v1/namespaces/default/pods",
          "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"after-delete-\"},"
              + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
      assertEquals(201, r.code(), r.body());
      assertEquals(0, r.json().path("spec").path("priority").asLong());
    });
  }
}
