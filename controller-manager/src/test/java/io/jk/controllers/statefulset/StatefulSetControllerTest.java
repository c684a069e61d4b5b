package io.jk.controllers.statefulset;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StatefulSetControllerTest {

  static Set<String> names(KubernetesClient client) {
    return client.pods().inNamespace("default").withLabel("app", "db").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }

  static Pod pod(KubernetesClient client, String name) {
    return client.pods().inNamespace("default").withName(name).get();
  }

  @Test
  void ordinalsStartInOrderScaleDownFromTheTopAndKeepTheirIdentity() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("statefulset"))) {
      cluster.markReady(false);
      KubernetesClient client = cluster.client();
      client.apps().statefulSets().inNamespace("default").resource(new StatefulSetBuilder()
          .withNewMetadata().withName("db").withNamespace("default").endMetadata()
          .withNewSpec().withReplicas(3).withServiceName("db")
          .withNewSelector().addToMatchLabels("app", "db").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "db").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      // OrderedReady: db-1 waits for db-0 to be Running and Ready, db-2 for db-1.
      await().atMost(Duration.ofSeconds(20)).until(() -> names(client).equals(Set.of("db-0")));
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> names(client).equals(Set.of("db-0")));
      cluster.markRunningReady(pod(client, "db-0"));
      await().atMost(Duration.ofSeconds(20)).until(() -> names(client).equals(Set.of("db-0", "db-1")));
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> names(client).size() == 2);
      assertEquals("db-1", pod(client, "db-1").getSpec().getHostname());
      assertEquals("db", pod(client, "db-1").getSpec().getSubdomain());
      cluster.markReady(true);
      cluster.markRunningReady(pod(client, "db-1"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        StatefulSet s = client.apps().statefulSets().inNamespace("default").withName("db").get();
        org.junit.jupiter.api.Assertions.assertNotNull(s.getStatus());
        assertEquals(3, s.getStatus().getReadyReplicas());
      });

      // A deleted pod comes back with the same name.
      String oldUid = pod(client, "db-1").getMetadata().getUid();
      client.pods().inNamespace("default").withName("db-1").withGracePeriod(0).delete();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        Pod p = pod(client, "db-1");
        return p != null && !p.getMetadata().getUid().equals(oldUid) && StatefulSetController.runningAndReady(p);
      });
      assertNotEquals(oldUid, pod(client, "db-1").getMetadata().getUid());

      // Scale down removes the highest ordinals.
      client.apps().statefulSets().inNamespace("default").withName("db").scale(1);
      await().atMost(Duration.ofSeconds(20)).until(() -> names(client).equals(Set.of("db-0")));
    }
  }

  @Test
  void ordinalParsing() {
    assertEquals(3, StatefulSetController.ordinal("web", "web-3"));
    assertEquals(-1, StatefulSetController.ordinal("web", "web-03"));
    assertEquals(-1, StatefulSetController.ordinal("web", "webx-3"));
    assertEquals(-1, StatefulSetController.ordinal("web", "web-"));
  }
}
