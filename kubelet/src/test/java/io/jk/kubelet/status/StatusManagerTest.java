package io.jk.kubelet.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.common.client.Patches;
import io.jk.kubelet.testing.ApiRequests;
import io.jk.testing.TestApiServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kubelet's status writes against a real API server: one PATCH each, nothing else. */
class StatusManagerTest {
  static TestApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    api = TestApiServer.start();
    client = api.client();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static Pod create(String name) {
    return client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name)
        .withNamespace("default").endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName("c")
        .withImage("busybox").endContainer().endSpec().build()).create();
  }

  @Test
  void writesAStatusWithOnePatchAndNoGet() {
    Pod pod = create("one-patch");
    StatusManager status = new StatusManager(client);
    Map<String, Double> before = requests();
    assertTrue(status.set(pod, new PodStatusBuilder().withPhase("Running").withPodIP("10.0.0.9").build()));
    Map<String, Double> after = requests();
    assertEquals(1.0, after.getOrDefault("patch pods/status", 0.0) - before.getOrDefault("patch pods/status", 0.0));
    assertEquals(before.getOrDefault("get pods", 0.0), after.getOrDefault("get pods", 0.0), "no GET before the PATCH");
    Pod read = client.pods().inNamespace("default").withName("one-patch").get();
    assertEquals("Running", read.getStatus().getPhase());
    assertEquals("10.0.0.9", read.getStatus().getPodIP());
    // the same status again is not written
    assertFalse(status.set(read, new PodStatusBuilder().withPhase("Running").withPodIP("10.0.0.9").build()));
  }

  @Test
  void aDeletedPodIsNotAnError() {
    Pod pod = create("gone");
    client.pods().inNamespace("default").withName("gone").withGracePeriod(0).delete();
    org.awaitility.Awaitility.await().until(() -> client.pods().inNamespace("default").withName("gone").get() == null);
    assertFalse(new StatusManager(client).set(pod, new PodStatusBuilder().withPhase("Running").build()));
  }

  @Test
  void refusalsCarryTheServersCodeAndMessage() {
    create("bad-patch");
    KubernetesClientException notFound = assertThrows(KubernetesClientException.class,
        () -> Patches.patch(client, "/api/v1/namespaces/default/pods/nope/status", PatchType.JSON_MERGE, "{}"));
    assertEquals(404, notFound.getCode());
    KubernetesClientException invalid = assertThrows(KubernetesClientException.class, () -> Patches.patch(client,
        "/api/v1/namespaces/default/pods/bad-patch/status", PatchType.JSON_MERGE, "{\"status\":{\"phase\":5}}"));
    assertEquals(400, invalid.getCode(), invalid.getMessage());
  }

  static Map<String, Double> requests() {
    return ApiRequests.byVerbAndResource(client);
  }
}
