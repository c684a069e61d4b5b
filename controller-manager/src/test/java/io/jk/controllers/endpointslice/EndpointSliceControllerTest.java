package io.jk.controllers.endpointslice;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EndpointSliceControllerTest {

  static TestClusterAccess cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = TestClusterAccess.start(List.of("endpointslice"));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static List<EndpointSlice> slices(String svc) {
    return client.discovery().v1().endpointSlices().inNamespace("default")
        .withLabel(EndpointSliceController.SERVICE_NAME, svc).list().getItems();
  }

  static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "api").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox")
        .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec().build();
  }

  @Test
  void slicesFollowPodReadinessWithNamedPortsResolved() {
    client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("api").endMetadata()
        .withNewSpec().addToSelector("app", "api")
        .addNewPort().withName("web").withPort(80).withTargetPort(new IntOrString("http")).endPort().endSpec().build()).create();
    client.pods().inNamespace("default").resource(pod("api-1")).create();
    client.pods().inNamespace("default").resource(pod("api-2")).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<EndpointSlice> s = slices("api");
      assertEquals(1, s.size());
      assertEquals(2, s.get(0).getEndpoints().size());
      assertTrue(s.get(0).getEndpoints().stream().allMatch(e -> e.getConditions().getReady()));
      assertEquals(8080, s.get(0).getPorts().get(0).getPort());
      assertEquals("web", s.get(0).getPorts().get(0).getName());
      assertEquals("Service", s.get(0).getMetadata().getOwnerReferences().get(0).getKind());
    });
    // A pod that turns not-ready stays in the slice as not ready, and moves to notReadyAddresses.
    cluster.setReady(client.pods().inNamespace("default").withName("api-2").get(), false);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Endpoint e2 = slices("api").get(0).getEndpoints().stream()
          .filter(e -> "api-2".equals(e.getTargetRef().getName())).findFirst().orElseThrow();
      assertEquals(false, e2.getConditions().getReady());
      Endpoints ep = client.endpoints().inNamespace("default").withName("api").get();
      assertEquals(1, ep.getSubsets().get(0).getAddresses().size());
      assertEquals(1, ep.getSubsets().get(0).getNotReadyAddresses().size());
      assertEquals(8080, ep.getSubsets().get(0).getPorts().get(0).getPort());
    });
    // A deleted pod leaves the slice.
    client.pods().inNamespace("default").withName("api-1").withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<Endpoint> eps = slices("api").get(0).getEndpoints();
      assertEquals(1, eps.size());
      assertEquals("api-2", eps.get(0).getTargetRef().getName());
    });
  }
}
