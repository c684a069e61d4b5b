package io.jk.controllers.replicaset;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.pods.Owners;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReplicaSetControllerTest {

  static io.jk.controllers.TestClusterAccess cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = io.jk.controllers.TestClusterAccess.start(List.of("replicaset"));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static ReplicaSet rs(String name, int replicas) {
    return new ReplicaSetBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build();
  }

  static List<Pod> activePods(String app) {
    return client.pods().inNamespace("default").withLabel("app", app).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  @Test
  void scalesUpAndDownAndReportsStatus() {
    ReplicaSet created = client.apps().replicaSets().inNamespace("default").resource(rs("web", 3)).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ReplicaSet r = client.apps().replicaSets().inNamespace("default").withName("web").get();
      assertEquals(3, activePods("web").size());
      assertNotNull(r.getStatus(), "no status written yet");
      assertEquals(3, r.getStatus().getReplicas());
      assertEquals(3, r.getStatus().getReadyReplicas());
      assertEquals(3, r.getStatus().getAvailableReplicas());
      assertEquals(3, r.getStatus().getFullyLabeledReplicas());
      assertEquals(r.getMetadata().getGeneration(), r.getStatus().getObservedGeneration());
    });
    for (Pod p : activePods("web")) {
      assertEquals(created.getMetadata().getUid(), Owners.controllerOf(p).getUid());
    }
    client.apps().replicaSets().inNamespace("default").withName("web").scale(1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertEquals(1, activePods("web").size());
      ReplicaSet r = client.apps().replicaSets().inNamespace("default").withName("web").get();
      assertEquals(1, r.getStatus().getReplicas());
      assertEquals(r.getMetadata().getGeneration(), r.getStatus().getObservedGeneration());
    });
  }

  @Test
  void adoptsMatchingOrphansAndReleasesPodsThatStopMatching() {
    client.apps().replicaSets().inNamespace("default").resource(rs("adopt", 2)).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> activePods("adopt").size() == 2);
    String uid = client.apps().replicaSets().inNamespace("default").withName("adopt").get().getMetadata().getUid();
    // An orphan that matches is adopted; the ReplicaSet then has one too many and deletes one.
    client.pods().inNamespace("default").resource(new PodBuilder()
        .withNewMetadata().withName("orphan").addToLabels("app", "adopt").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<Pod> pods = activePods("adopt");
      assertEquals(2, pods.size());
      for (Pod p : pods) {
        assertEquals(uid, Owners.controllerOf(p).getUid());
      }
    });
    // A pod relabelled out of the selector is released and replaced.
    Pod victim = activePods("adopt").get(0);
    client.pods().inNamespace("default").withName(victim.getMetadata().getName())
        .edit(p -> new PodBuilder(p).editMetadata().addToLabels("app", "debug").endMetadata().build());
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Pod released = client.pods().inNamespace("default").withName(victim.getMetadata().getName()).get();
      assertEquals(null, Owners.controllerOf(released));
      assertEquals(2, activePods("adopt").size());
    });
  }
}
