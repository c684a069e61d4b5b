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
 * {@code dryRun=All} creates go through the same Priority admission as real ones (value and policy
 * from the class, the global default, 403 for an unknown class or a second default) and store
 * nothing. Its own server: the global default class made here would change other tests' pods.
 */
class DryRunAdmissionTest {

  static LiveServer api;

  @BeforeAll
  static void start() throws Exception {
    api = new LiveServer();
    assertEquals(201, api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", priorityClass("dry-batch", 500, false, "Never")).code());
    assertEquals(201, api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", priorityClass("dry-default", 42, true, null)).code());
    // the classes reach admission through its watch: wait until a real create sees the default
    await().atMost(Duration.ofSeconds(5)).until(() -> api.send("POST", "/api/v1/namespaces/default/pods",
        "{\"metadata\":{\"generateName\":\"probe-\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}")
        .json().path("spec").path("priority").asLong() == 42);
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

  private static void assertNotStored(String path) throws Exception {
    assertEquals(404, api.send("GET", path, null).code(), "a dry run stored " + path);
  }

  @Test
  void aDryRunPodGetsItsClassValueAndPolicyAndIsNotStored() throws Exception {
    LiveServer.Res r = api.send("POST", "/api/v1/namespaces/default/pods?dryRun=All",
        pod("dry-classed", "\"priorityClassName\":\"dry-batch\""));
    assertEquals(201, r.code(), r.body());
    assertEquals(500, r.json().path("spec").path("priority").asLong());
    assertEquals("Never", r.json().path("spec").path("preemptionPolicy").asText());
    assertNotStored("/api/v1/namespaces/default/pods/dry-classed");
  }

  @Test
  void aDryRunPodNamingNoClassGetsTheGlobalDefault() throws Exception {
    LiveServer.Res r = api.send("POST", "/api/v1/namespaces/default/pods?dryRun=All", pod("dry-plain", ""));
    assertEquals(201, r.code(), r.body());
    JsonNode spec = r.json().path("spec");
    assertEquals(42, spec.path("priority").asLong());
    assertEquals("dry-default", spec.path("priorityClassName").asText());
    assertEquals("PreemptLowerPriority", spec.path("preemptionPolicy").asText());
    assertNotStored("/api/v1/namespaces/default/pods/dry-plain");
  }

  @Test
  void aDryRunPodOfAnUnknownClassOrADisagreeingPriorityIsForbiddenAsARealOne() throws Exception {
    LiveServer.Res unknown = api.send("POST", "/api/v1/namespaces/default/pods?dryRun=All",
        pod("dry-x", "\"priorityClassName\":\"nope\""));
    assertEquals(403, unknown.code(), unknown.body());
    assertEquals("pods \"dry-x\" is forbidden: no PriorityClass with name nope was found",
        unknown.json().path("message").asText());
    LiveServer.Res disagreeing = api.send("POST", "/api/v1/namespaces/default/pods?dryRun=All",
        pod("dry-y", "\"priorityClassName\":\"dry-batch\",\"priority\":7"));
    assertEquals(403, disagreeing.code(), disagreeing.body());
    assertTrue(disagreeing.json().path("message").asText().contains("computed 500 from the given PriorityClass name"),
        disagreeing.body());
    if (LiveServer.hasKubectl()) {
      LiveServer.Run run = api.kubectl(null, "run", "dry-z", "--image=busybox", "--dry-run=server", "--overrides",
          "{\"spec\":{\"priorityClassName\":\"nope\"}}");
      assertEquals(1, run.exit(), run.out());
      assertEquals("Error from server (Forbidden): pods \"dry-z\" is forbidden: no PriorityClass with name nope was found\n",
          run.out());
    }
    assertNotStored("/api/v1/namespaces/default/pods/dry-x");
    assertNotStored("/api/v1/namespaces/default/pods/dry-z");
  }

  @Test
  void aDryRunSecondGlobalDefaultClassIsForbidden() throws Exception {
    LiveServer.Res r = api.send("POST", "/apis/scheduling.k8s.io/v1/priorityclasses?dryRun=All",
        priorityClass("dry-other-default", 1, true, null));
    assertEquals(403, r.code(), r.body());
    assertEquals("priorityclasses.scheduling.k8s.io \"dry-other-default\" is forbidden: PriorityClass dry-default is "
        + "already marked as default. Only one default can exist", r.json().path("message").asText());
    assertNotStored("/apis/scheduling.k8s.io/v1/priorityclasses/dry-other-default");
  }

  private static String service(String name, String type, int nodePort) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"type\":\""
        + type + "\",\"ports\":[{\"port\":80" + (nodePort > 0 ? ",\"nodePort\":" + nodePort : "") + "}]}}";
  }

  @Test
  void aDryRunServiceUpdateNeitherTakesNorFreesNodePorts() throws Exception {
    // a dry run turning a NodePort service into ClusterIP must not free its port for another service
    JsonNode a = api.send("POST", "/api/v1/namespaces/default/services", service("dry-np-a", "NodePort", 0)).json();
    int port = a.path("spec").path("ports").path(0).path("nodePort").asInt();
    LiveServer.Res toClusterIp = api.sendPatch("/api/v1/namespaces/default/services/dry-np-a?dryRun=All", "application/merge-patch+json",
        "{\"spec\":{\"type\":\"ClusterIP\",\"ports\":[{\"port\":80}]}}");
    assertEquals(200, toClusterIp.code(), toClusterIp.body());
    assertTrue(toClusterIp.json().path("spec").path("ports").path(0).path("nodePort").isMissingNode(), toClusterIp.body());
    LiveServer.Res taken = api.send("POST", "/api/v1/namespaces/default/services", service("dry-np-b", "NodePort", port));
    assertEquals(422, taken.code(), "port " + port + " was given twice: " + taken.body());

    // a dry run asking for a port must not keep it from the service that really asks next
    assertEquals(201, api.send("POST", "/api/v1/namespaces/default/services", service("dry-np-c", "ClusterIP", 0)).code());
    LiveServer.Res toNodePort = api.sendPatch("/api/v1/namespaces/default/services/dry-np-c?dryRun=All", "application/merge-patch+json",
        "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30555}]}}");
    assertEquals(200, toNodePort.code(), toNodePort.body());
    assertEquals(30555, toNodePort.json().path("spec").path("ports").path(0).path("nodePort").asInt(), toNodePort.body());
    LiveServer.Res real = api.send("POST", "/api/v1/namespaces/default/services", service("dry-np-d", "NodePort", 30555));
    assertEquals(201, real.code(), real.body());
    // a dry-run create shows the ClusterIP and the port it asked for, and keeps neither
    LiveServer.Res dryCreate = api.send("POST", "/api/v1/namespaces/default/services?dryRun=All",
        service("dry-np-e", "NodePort", 30600));
    assertEquals(201, dryCreate.code(), dryCreate.body());
    assertTrue(dryCreate.json().path("spec").path("clusterIP").asText("").startsWith("10."), dryCreate.body());
    assertEquals(30600, dryCreate.json().path("spec").path("ports").path(0).path("nodePort").asInt(), dryCreate.body());
    assertEquals(201, api.send("POST", "/api/v1/namespaces/default/services", service("dry-np-f", "NodePort", 30600)).code());
    // and a dry run still refuses what a real update would
    LiveServer.Res clash = api.sendPatch("/api/v1/namespaces/default/services/dry-np-c?dryRun=All", "application/merge-patch+json",
        "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":30555}]}}");
    assertEquals(422, clash.code(), clash.body());
  }
}
