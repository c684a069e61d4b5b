package io.jk.controllers.daemonset;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DaemonSetControllerTest {

  static Set<String> podNodes(KubernetesClient client) {
    return pods(client).stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toSet());
  }

  static List<Pod> pods(KubernetesClient client) {
    return client.pods().inNamespace("default").withLabel("app", "agent").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static void node(KubernetesClient client, String name, boolean worker) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
    if (worker) {
      b.editMetadata().addToLabels("role", "worker").endMetadata();
    }
    client.nodes().resource(b.build()).create();
  }

  @Test
  void runsOnePodPerEligibleNodeFollowingNodesAndRollsUpdates() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("daemonset"))) {
      KubernetesClient client = cluster.client();
      node(client, "w1", true);
      node(client, "w2", true);
      node(client, "m1", false);
      client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
          .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
          .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "agent").endMetadata()
          .withNewSpec().addToNodeSelector("role", "worker").addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertEquals(Set.of("w1", "w2"), podNodes(client));
        assertEquals(2, pods(client).size());
        DaemonSet ds = client.apps().daemonSets().inNamespace("default").withName("agent").get();
        org.junit.jupiter.api.Assertions.assertNotNull(ds.getStatus());
        assertEquals(2, ds.getStatus().getDesiredNumberScheduled());
        assertEquals(2, ds.getStatus().getNumberReady());
      });
      // A node that joins the selector gets a pod; a deleted node loses its pod.
      client.nodes().withName("m1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("role", "worker").endMetadata().build());
      client.nodes().withName("w2").delete();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertEquals(Set.of("w1", "m1"), podNodes(client));
        assertEquals(2, pods(client).size());
      });
      // Rolling update: every pod ends on the new template.
      client.apps().daemonSets().inNamespace("default").withName("agent").edit(d -> new DaemonSetBuilder(d).editSpec().editTemplate()
          .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        List<Pod> ps = pods(client);
        assertEquals(2, ps.size());
        assertEquals(Set.of("busybox:2"), ps.stream().map(p -> p.getSpec().getContainers().get(0).getImage()).collect(Collectors.toSet()));
        assertEquals(Set.of("w1", "m1"), podNodes(client));
        DaemonSet ds = client.apps().daemonSets().inNamespace("default").withName("agent").get();
        assertEquals(2, ds.getStatus().getUpdatedNumberScheduled());
      });
    }
  }
}
