package io.jk.controllers.statefulset;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.json.Json;
import io.jk.controllers.Kubectl;
import io.jk.controllers.TestClusterAccess;
import io.jk.controllers.deployment.PodTemplateHash;
import io.jk.controllers.history.ControllerHistory;
import io.jk.controllers.pods.Owners;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A StatefulSet's ControllerRevisions and status revisions, read and rolled back by the real {@code kubectl rollout}. */
class StatefulSetHistoryTest {

  @TempDir Path cacheDir;

  static Map<Long, ControllerRevision> revisions(KubernetesClient client) {
    return client.apps().controllerRevisions().inNamespace("default").withLabel("app", "web").list().getItems().stream()
        .collect(Collectors.toMap(ControllerRevision::getRevision, r -> r, (a, b) -> a, TreeMap::new));
  }

  static List<Pod> pods(KubernetesClient client) {
    return client.pods().inNamespace("default").withLabel("app", "web").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static Set<String> images(KubernetesClient client) {
    return pods(client).stream().map(p -> p.getSpec().getContainers().get(0).getImage()).collect(Collectors.toSet());
  }

  static StatefulSet get(KubernetesClient client) {
    return client.apps().statefulSets().inNamespace("default").withName("web").get();
  }

  @Test
  void rolloutHistoryListsRevisionsAndUndoBringsTheFirstTemplateBack() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("statefulset"))) {
      KubernetesClient client = cluster.client();
      client.apps().statefulSets().inNamespace("default").resource(new StatefulSetBuilder()
          .withNewMetadata().withName("web").withNamespace("default").endMetadata()
          .withNewSpec().withReplicas(2).withServiceName("web").withPodManagementPolicy("Parallel")
          .withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertEquals(Set.of("busybox:1"), images(client));
        assertEquals(2, pods(client).size());
        assertEquals(Set.of(1L), revisions(client).keySet());
        // The status is written at the end of the sync that created the pods: it may not be there yet.
        StatefulSet s = get(client);
        assertEquals(2, s.getStatus() == null ? null : s.getStatus().getReadyReplicas());
      });
      ControllerRevision first = revisions(client).get(1L);
      String firstName = first.getMetadata().getName();
      assertTrue(firstName.startsWith("web-"), firstName);
      assertEquals("StatefulSet", first.getMetadata().getOwnerReferences().get(0).getKind());
      JsonNode data = Json.mapper().valueToTree(first.getData());
      assertEquals("replace", data.path("spec").path("template").path("$patch").asText(), data.toString());
      assertEquals(firstName, get(client).getStatus().getCurrentRevision());
      assertEquals(firstName, get(client).getStatus().getUpdateRevision());
      for (Pod p : pods(client)) {
        assertEquals(firstName, p.getMetadata().getLabels().get(StatefulSetController.REVISION_HASH));
      }

      Kubectl.Result set = cluster.kubectl(cacheDir, "set", "image", "statefulset/web", "c=busybox:2");
      assertEquals(0, set.exitCode(), set.output());
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertEquals(Set.of("busybox:2"), images(client));
        assertEquals(2, pods(client).size());
        assertEquals(Set.of(1L, 2L), revisions(client).keySet());
        StatefulSet s = get(client);
        String second = revisions(client).get(2L).getMetadata().getName();
        assertEquals(second, s.getStatus().getUpdateRevision());
        assertEquals(second, s.getStatus().getCurrentRevision());
      });
      Kubectl.Result history = cluster.kubectl(cacheDir, "rollout", "history", "statefulset/web");
      assertEquals(0, history.exitCode(), history.output());
      assertTrue(history.output().lines().anyMatch(l -> l.matches("1\\s+<none>\\s*")), history.output());
      assertTrue(history.output().lines().anyMatch(l -> l.matches("2\\s+<none>\\s*")), history.output());

      Kubectl.Result undo = cluster.kubectl(cacheDir, "rollout", "undo", "statefulset/web");
      assertEquals(0, undo.exitCode(), undo.output());
      assertTrue(undo.output().contains("rolled back"), undo.output());
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertEquals("busybox:1", get(client).getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        assertEquals(Set.of("busybox:1"), images(client));
        assertEquals(2, pods(client).size());
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(2L, 3L), revs.keySet());
        assertEquals(firstName, revs.get(3L).getMetadata().getName());
        assertEquals(firstName, get(client).getStatus().getUpdateRevision());
        assertEquals(firstName, get(client).getStatus().getCurrentRevision());
      });
      Kubectl.Result after = cluster.kubectl(cacheDir, "rollout", "history", "statefulset/web");
      assertTrue(after.output().lines().anyMatch(l -> l.matches("3\\s+<none>\\s*")), after.output());

      // Trimmed to revisionHistoryLimit once neither pods nor status name the old revision.
      client.apps().statefulSets().inNamespace("default").withName("web")
          .edit(x -> new StatefulSetBuilder(x).editSpec().withRevisionHistoryLimit(0).endSpec().build());
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(Set.of(3L), revisions(client).keySet()));
    }
  }

  @Test
  void syncsReadRevisionsFromTheInformerWithoutListingThem() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("statefulset"))) {
      KubernetesClient client = cluster.client();
      client.apps().statefulSets().inNamespace("default").resource(new StatefulSetBuilder()
          .withNewMetadata().withName("web").withNamespace("default").endMetadata()
          .withNewSpec().withReplicas(2).withServiceName("web").withPodManagementPolicy("Parallel").withRevisionHistoryLimit(1)
          .withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of("busybox:1")) && pods(client).size() == 2);
      long lists = cluster.apiRequests("list", "controllerrevisions");
      long syncs = cluster.syncs("statefulset");
      for (String image : List.of("busybox:2", "busybox:3")) {
        client.apps().statefulSets().inNamespace("default").withName("web").edit(x -> new StatefulSetBuilder(x).editSpec()
            .editTemplate().editSpec().editFirstContainer().withImage(image).endContainer().endSpec().endTemplate().endSpec().build());
        await().atMost(Duration.ofSeconds(60)).until(() -> images(client).equals(Set.of(image)) && pods(client).size() == 2);
      }
      assertTrue(cluster.syncs("statefulset") - syncs >= 4, "syncs: " + (cluster.syncs("statefulset") - syncs));
      assertEquals(lists, cluster.apiRequests("list", "controllerrevisions"), "LISTs of controllerrevisions during the rollouts");
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(Set.of(2L, 3L), revisions(client).keySet()));
    }
  }

  @Test
  void aTemplateHashCollisionRaisesCollisionCountAndThePodsGetTheNewRevision() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("statefulset"))) {
      KubernetesClient client = cluster.client();
      client.apps().statefulSets().inNamespace("default").resource(new StatefulSetBuilder()
          .withNewMetadata().withName("web").withNamespace("default").endMetadata()
          .withNewSpec().withReplicas(2).withServiceName("web").withPodManagementPolicy("Parallel")
          .withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of("busybox:1")) && pods(client).size() == 2
          && revisions(client).size() == 1);
      StatefulSet set = get(client);
      PodTemplateSpec next = new PodTemplateSpecBuilder(set.getSpec().getTemplate()).editSpec().editFirstContainer()
          .withImage("busybox:2").endContainer().endSpec().build();
      String taken = "web-" + PodTemplateHash.of(next, null);
      // The revision name of the next template already holds another template of this set.
      Map<String, Object> otherData = Json.mapper().convertValue(ControllerHistory.templatePatch(set.getSpec().getTemplate()),
          new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
      client.apps().controllerRevisions().inNamespace("default").resource(new ControllerRevisionBuilder()
          .withNewMetadata().withName(taken).withNamespace("default").addToLabels("app", "web")
          .withOwnerReferences(Owners.controllerRef(new StatefulSetBuilder(set).withKind("StatefulSet").withApiVersion("apps/v1").build()))
          .endMetadata().withData(otherData).withRevision(0L).build()).create();

      client.apps().statefulSets().inNamespace("default").withName("web")
          .edit(x -> new StatefulSetBuilder(x).editSpec().withTemplate(next).endSpec().build());
      String revision = "web-" + PodTemplateHash.of(next, 1);
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        StatefulSet s = get(client);
        assertEquals(1, s.getStatus().getCollisionCount());
        assertEquals(revision, s.getStatus().getUpdateRevision());
        assertEquals(Set.of("busybox:2"), images(client));
        for (Pod p : pods(client)) {
          assertEquals(revision, p.getMetadata().getLabels().get(StatefulSetController.REVISION_HASH));
        }
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(0L, 1L, 2L), revs.keySet());
        assertEquals(revision, revs.get(2L).getMetadata().getName());
        assertEquals(taken, revs.get(0L).getMetadata().getName());
      });
    }
  }
}
