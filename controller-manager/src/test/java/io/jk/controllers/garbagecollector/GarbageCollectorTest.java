package io.jk.controllers.garbagecollector;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest {

  static TestClusterAccess cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = TestClusterAccess.start(List.of("replicaset", "deployment", "garbagecollector", "namespace"));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static void createAndRollOut(String ns, String name) {
    Deployment d = new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.apps().deployments().inNamespace(ns).resource(d).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> pods(ns, name).size() == 2 && replicaSets(ns, name).size() == 1);
  }

  static List<Pod> pods(String ns, String app) {
    return client.pods().inNamespace(ns).withLabel("app", app).list().getItems();
  }

  static List<ReplicaSet> replicaSets(String ns, String app) {
    return client.apps().replicaSets().inNamespace(ns).withLabel("app", app).list().getItems();
  }

  @Test
  void backgroundDeletionRemovesReplicaSetsAndPods() {
    createAndRollOut("default", "bg");
    client.apps().deployments().inNamespace("default").withName("bg").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> replicaSets("default", "bg").isEmpty() && pods("default", "bg").isEmpty());
  }

  @Test
  void foregroundDeletionRemovesDependentsBeforeTheOwner() {
    createAndRollOut("default", "fg");
    AtomicBoolean ownerGoneWithDependentsLeft = new AtomicBoolean();
    Watch w = client.apps().deployments().inNamespace("default").withName("fg").watch(new Watcher<Deployment>() {
      @Override
      public void eventReceived(Action action, Deployment d) {
        if (action == Action.DELETED && (!replicaSets("default", "fg").isEmpty() || !pods("default", "fg").isEmpty())) {
          ownerGoneWithDependentsLeft.set(true);
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    try {
      client.apps().deployments().inNamespace("default").withName("fg").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
      Deployment terminating = client.apps().deployments().inNamespace("default").withName("fg").get();
      if (terminating != null) {
        assertTrue(terminating.getMetadata().getFinalizers().contains(GarbageCollector.FOREGROUND));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> client.apps().deployments().inNamespace("default").withName("fg").get() == null);
      assertTrue(replicaSets("default", "fg").isEmpty());
      assertTrue(pods("default", "fg").isEmpty());
      assertTrue(!ownerGoneWithDependentsLeft.get(), "the owner went before its dependents");
    } finally {
      w.close();
    }
  }

  @Test
  void orphanDeletionKeepsDependentsWithoutTheOwnerReference() {
    createAndRollOut("default", "orph");
    client.apps().deployments().inNamespace("default").withName("orph").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.apps().deployments().inNamespace("default").withName("orph").get() == null);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<ReplicaSet> rss = replicaSets("default", "orph");
      assertEquals(1, rss.size());
      assertTrue(rss.get(0).getMetadata().getOwnerReferences() == null || rss.get(0).getMetadata().getOwnerReferences().isEmpty());
    });
    // The ReplicaSet keeps running its pods.
    assertEquals(2, pods("default", "orph").size());
  }

  @Test
  void deletingANamespaceDeletesItsContentThenTheNamespace() {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("doomed").endMetadata().build()).create();
    createAndRollOut("doomed", "web");
    client.configMaps().inNamespace("doomed").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("cfg").endMetadata().addToData("k", "v").build()).create();
    client.namespaces().withName("doomed").delete();
    Namespace terminating = client.namespaces().withName("doomed").get();
    assertNotNull(terminating, "held by the kubernetes finalizer until emptied");
    await().atMost(Duration.ofSeconds(30)).until(() -> client.namespaces().withName("doomed").get() == null);
    assertTrue(client.pods().inNamespace("doomed").list().getItems().isEmpty());
    assertTrue(client.configMaps().inNamespace("doomed").list().getItems().isEmpty());
  }
}
