package io.jk.controllers.nodelifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest {

  @Test
  void tolerationMatchingFollowsKubernetes() {
    Taint unreachable = new TaintBuilder().withKey(Taints.UNREACHABLE).withEffect("NoExecute").build();
    Toleration exists300 = new TolerationBuilder().withKey(Taints.UNREACHABLE).withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(300L).build();
    Toleration forever = new TolerationBuilder().withOperator("Exists").build();
    Toleration other = new TolerationBuilder().withKey("x").withOperator("Equal").withValue("y").build();
    assertEquals(0, Taints.tolerationSeconds(null, unreachable));
    assertEquals(0, Taints.tolerationSeconds(List.of(other), unreachable));
    assertEquals(300, Taints.tolerationSeconds(List.of(exists300), unreachable));
    assertEquals(-1, Taints.tolerationSeconds(List.of(forever), unreachable));
    assertEquals(300, Taints.tolerationSeconds(List.of(forever, exists300), unreachable), "the bounded toleration wins");
  }

  static Pod boundPod(String name, Toleration t) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withNodeName("n1").withTolerations(t)
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
  }

  @Test
  void lostLeaseTaintsTheNodeAndEvictsPodsAfterTheirTolerationSeconds() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("nodelifecycle"),
        o -> o.withNodeMonitorGracePeriod(Duration.ofSeconds(2)))) {
      KubernetesClient client = cluster.client();
      cluster.markReady(false);
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-node-lease").endMetadata().build())
          .createOr(r -> r.update());
      Node n = client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).create();
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      client.nodes().resource(new NodeBuilder(n).withNewStatus().addNewCondition().withType("Ready").withStatus("True")
          .withReason("KubeletReady").withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition().endStatus().build()).updateStatus();
      client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName("n1").endMetadata()
          .withNewSpec().withHolderIdentity("n1").withLeaseDurationSeconds(40).withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build()).create();
      AtomicBoolean renewing = new AtomicBoolean(true);
      ScheduledExecutorService kubelet = Executors.newSingleThreadScheduledExecutor();
      kubelet.scheduleAtFixedRate(() -> {
        if (renewing.get()) {
          client.leases().inNamespace("kube-node-lease").withName("n1")
              .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build());
        }
      }, 300, 300, TimeUnit.MILLISECONDS);
      try {
        client.pods().inNamespace("default").resource(boundPod("short", new TolerationBuilder().withKey(Taints.UNREACHABLE)
            .withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(2L).build())).create();
        client.pods().inNamespace("default").resource(boundPod("forever", new TolerationBuilder().withKey(Taints.UNREACHABLE)
            .withOperator("Exists").withEffect("NoExecute").build())).create();
        // A renewing node stays healthy past the grace period.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> taints(client).isEmpty());

        renewing.set(false);
        long lostAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Node node = client.nodes().withName("n1").get();
          assertEquals("Unknown", node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow().getStatus());
          assertTrue(taints(client).contains(Taints.UNREACHABLE));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          Pod p = client.pods().inNamespace("default").withName("short").get();
          return p == null || p.getMetadata().getDeletionTimestamp() != null;
        });
        assertTrue(System.nanoTime() - lostAt >= Duration.ofSeconds(3).toNanos(), "grace 2 s + toleration 2 s");
        assertNull(client.pods().inNamespace("default").withName("forever").get().getMetadata().getDeletionTimestamp());

        renewing.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> taints(client).isEmpty());
      } finally {
        kubelet.shutdownNow();
      }
    }
  }

  static List<String> taints(KubernetesClient client) {
    Node n = client.nodes().withName("n1").get();
    return n.getSpec() == null || n.getSpec().getTaints() == null ? List.of() : n.getSpec().getTaints().stream().map(Taint::getKey).toList();
  }
}
