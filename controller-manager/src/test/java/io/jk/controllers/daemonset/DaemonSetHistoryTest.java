package io.jk.controllers.daemonset;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
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

/** A DaemonSet's ControllerRevisions, read and rolled back by the real {@code kubectl rollout}. */
class DaemonSetHistoryTest {

  @TempDir Path cacheDir;

  static Map<Long, ControllerRevision> revisions(KubernetesClient client) {
    return client.apps().controllerRevisions().inNamespace("default").withLabel("app", "agent").list().getItems().stream()
        .collect(Collectors.toMap(ControllerRevision::getRevision, r -> r, (a, b) -> a, TreeMap::new));
  }

  static Set<String> images(KubernetesClient client) {
    return DaemonSetControllerTest.pods(client).stream().map(p -> p.getSpec().getContainers().get(0).getImage()).collect(Collectors.toSet());
  }

  @Test
  void rolloutHistoryListsRevisionsAndUndoBringsTheFirstTemplateBack() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      DaemonSetControllerTest.node(client, "w1", true);
      DaemonSetControllerTest.node(client, "w2", true);
      client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertEquals(Set.of("busybox:1"), images(client));
        assertEquals(2, DaemonSetControllerTest.pods(client).size());
        assertEquals(Set.of(1L), revisions(client).keySet());
      });
      ControllerRevision first = revisions(client).get(1L);
      String firstHash = first.getMetadata().getLabels().get(DaemonSetController.REVISION_HASH);
      assertEquals("agent-" + firstHash, first.getMetadata().getName());
      var owner = first.getMetadata().getOwnerReferences().get(0);
      assertEquals("DaemonSet", owner.getKind());
      assertEquals("agent", owner.getName());
      assertEquals(Boolean.TRUE, owner.getController());
      JsonNode data = Json.mapper().valueToTree(first.getData());
      assertEquals("replace", data.path("spec").path("template").path("$patch").asText(), data.toString());
      assertEquals("busybox:1", data.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText());
      for (Pod p : DaemonSetControllerTest.pods(client)) {
        assertEquals(firstHash, p.getMetadata().getLabels().get(DaemonSetController.REVISION_HASH));
      }

      Kubectl.Result set = cluster.kubectl(cacheDir, "set", "image", "daemonset/agent", "c=busybox:2");
      assertEquals(0, set.exitCode(), set.output());
      await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
        assertEquals(Set.of("busybox:2"), images(client));
        assertEquals(2, DaemonSetControllerTest.pods(client).size());
        assertEquals(Set.of(1L, 2L), revisions(client).keySet());
      });
      Kubectl.Result history = cluster.kubectl(cacheDir, "rollout", "history", "daemonset/agent");
      assertEquals(0, history.exitCode(), history.output());
      assertTrue(history.output().lines().anyMatch(l -> l.matches("1\\s+<none>\\s*")), history.output());
      assertTrue(history.output().lines().anyMatch(l -> l.matches("2\\s+<none>\\s*")), history.output());
      Kubectl.Result one = cluster.kubectl(cacheDir, "rollout", "history", "daemonset/agent", "--revision=1");
      assertEquals(0, one.exitCode(), one.output());
      assertTrue(one.output().contains("busybox:1"), one.output());

      Kubectl.Result undo = cluster.kubectl(cacheDir, "rollout", "undo", "daemonset/agent");
      assertEquals(0, undo.exitCode(), undo.output());
      assertTrue(undo.output().contains("rolled back"), undo.output());
      // The first template is back, the pods follow, and its revision is re-used and raised to 3.
      await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
        assertEquals("busybox:1", client.apps().daemonSets().inNamespace("default").withName("agent").get()
            .getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        assertEquals(Set.of("busybox:1"), images(client));
        assertEquals(2, DaemonSetControllerTest.pods(client).size());
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(2L, 3L), revs.keySet());
        assertEquals(first.getMetadata().getName(), revs.get(3L).getMetadata().getName());
      });
      Kubectl.Result after = cluster.kubectl(cacheDir, "rollout", "history", "daemonset/agent");
      assertTrue(after.output().lines().anyMatch(l -> l.matches("3\\s+<none>\\s*")), after.output());
      assertTrue(after.output().lines().noneMatch(l -> l.matches("1\\s+<none>\\s*")), after.output());

      // History is trimmed to revisionHistoryLimit once no pod runs the old template.
      client.apps().daemonSets().inNamespace("default").withName("agent")
          .edit(d -> new DaemonSetBuilder(d).editSpec().withRevisionHistoryLimit(0).endSpec().build());
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(Set.of(3L), revisions(client).keySet()));
    }
  }

  @Test
  void aRecreatedDaemonSetOfTheSameNameReplacesTheRevisionLeftByTheDeletedOne() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      DaemonSetControllerTest.node(client, "w1", true);
      var ds = new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build();
      String oldUid = client.apps().daemonSets().inNamespace("default").resource(ds).create().getMetadata().getUid();
      await().atMost(Duration.ofSeconds(30)).until(() -> revisions(client).size() == 1);
      // No garbage collector runs here: the revision outlives its owner, as after a missed clean-up.
      client.apps().daemonSets().inNamespace("default").withName("agent").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.apps().daemonSets().inNamespace("default").withName("agent").get() == null);
      String newUid = client.apps().daemonSets().inNamespace("default").resource(ds).create().getMetadata().getUid();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(1L), revs.keySet());
        assertEquals(newUid, revs.get(1L).getMetadata().getOwnerReferences().get(0).getUid());
      });
      assertTrue(!oldUid.equals(newUid));
      Kubectl.Result history = cluster.kubectl(cacheDir, "rollout", "history", "daemonset/agent");
      assertTrue(history.output().lines().anyMatch(l -> l.matches("1\\s+<none>\\s*")), history.output());
    }
  }

  @Test
  void aRevisionThatLivePodsStillRunIsKeptBeyondTheHistoryLimit() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      DaemonSetControllerTest.node(client, "w1", true);
      client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withRevisionHistoryLimit(0).withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
          .withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of("busybox:1")) && revisions(client).size() == 1);
      Kubectl.Result set = cluster.kubectl(cacheDir, "set", "image", "daemonset/agent", "c=busybox:2");
      assertEquals(0, set.exitCode(), set.output());
      // OnDelete: the pod keeps running revision 1, so it stays although the limit is 0.
      await().atMost(Duration.ofSeconds(20)).until(() -> revisions(client).keySet().equals(Set.of(1L, 2L)));
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> revisions(client).keySet().equals(Set.of(1L, 2L))
          && images(client).equals(Set.of("busybox:1")));
      client.pods().inNamespace("default").withLabel("app", "agent").delete();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertEquals(Set.of("busybox:2"), images(client));
        assertEquals(Set.of(2L), revisions(client).keySet());
      });
    }
  }

  static void setImage(KubernetesClient client, String image) {
    client.apps().daemonSets().inNamespace("default").withName("agent").edit(d -> new DaemonSetBuilder(d).editSpec().editTemplate()
        .editSpec().editFirstContainer().withImage(image).endContainer().endSpec().endTemplate().endSpec().build());
  }

  @Test
  void syncsReadRevisionsFromTheInformerWithoutListingThem() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      DaemonSetControllerTest.node(client, "w1", true);
      DaemonSetControllerTest.node(client, "w2", true);
      client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withRevisionHistoryLimit(1).withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of("busybox:1"))
          && DaemonSetControllerTest.pods(client).size() == 2);
      long lists = cluster.apiRequests("list", "controllerrevisions");
      long syncs = cluster.syncs("daemonset");
      // Three rollouts: each creates a revision and (history limit 1) deletes one, over many syncs.
      for (String image : List.of("busybox:2", "busybox:3", "busybox:4")) {
        setImage(client, image);
        await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of(image))
            && DaemonSetControllerTest.pods(client).size() == 2);
      }
      assertTrue(cluster.syncs("daemonset") - syncs >= 6, "syncs: " + (cluster.syncs("daemonset") - syncs));
      assertEquals(lists, cluster.apiRequests("list", "controllerrevisions"), "LISTs of controllerrevisions during the rollouts");
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(3L, 4L), revs.keySet());
        assertEquals("agent-" + revs.get(4L).getMetadata().getLabels().get(DaemonSetController.REVISION_HASH),
            revs.get(4L).getMetadata().getName());
      });
    }
  }

  @Test
  void aTemplateHashCollisionRaisesCollisionCountAndTheTemplateGetsItsOwnRevision() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      DaemonSetControllerTest.node(client, "w1", true);
      client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> images(client).equals(Set.of("busybox:1")) && revisions(client).size() == 1);
      DaemonSet ds = client.apps().daemonSets().inNamespace("default").withName("agent").get();
      PodTemplateSpec next = new PodTemplateSpecBuilder(ds.getSpec().getTemplate()).editSpec().editFirstContainer()
          .withImage("busybox:2").endContainer().endSpec().build();
      String taken = PodTemplateHash.of(next, null);
      // The name the next template hashes to already holds another template of this DaemonSet.
      Map<String, Object> otherData = Json.mapper().convertValue(ControllerHistory.templatePatch(ds.getSpec().getTemplate()),
          new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
      client.apps().controllerRevisions().inNamespace("default").resource(new ControllerRevisionBuilder()
          .withNewMetadata().withName("agent-" + taken).withNamespace("default").addToLabels("app", "agent")
          .addToLabels(DaemonSetController.REVISION_HASH, taken)
          .withOwnerReferences(Owners.controllerRef(new DaemonSetBuilder(ds).withKind("DaemonSet").withApiVersion("apps/v1").build()))
          .endMetadata().withData(otherData).withRevision(0L).build()).create();

      client.apps().daemonSets().inNamespace("default").withName("agent")
          .edit(d -> new DaemonSetBuilder(d).editSpec().withTemplate(next).endSpec().build());
      String hash = PodTemplateHash.of(next, 1);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertEquals(1, client.apps().daemonSets().inNamespace("default").withName("agent").get().getStatus().getCollisionCount());
        assertEquals(Set.of("busybox:2"), images(client));
        for (Pod p : DaemonSetControllerTest.pods(client)) {
          assertEquals(hash, p.getMetadata().getLabels().get(DaemonSetController.REVISION_HASH));
        }
        Map<Long, ControllerRevision> revs = revisions(client);
        assertEquals(Set.of(0L, 1L, 2L), revs.keySet());
        assertEquals("agent-" + hash, revs.get(2L).getMetadata().getName());
        assertEquals("agent-" + taken, revs.get(0L).getMetadata().getName());
      });
    }
  }
}
