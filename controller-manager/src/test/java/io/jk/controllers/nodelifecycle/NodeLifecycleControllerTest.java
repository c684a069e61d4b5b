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
      AtomicBoolean renewing = new AtomicBoolean(true);
      // n2 stays healthy: with every node lost, Kubernetes evicts nothing (see allNodesLost...).
      ScheduledExecutorService kubelet = kubelets(client, java.util.Map.of("n1", renewing, "n2", new AtomicBoolean(true)));
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
          assertTrue(taints(client).containsAll(List.of(Taints.UNREACHABLE + ":NoExecute", Taints.UNREACHABLE + ":NoSchedule")),
              "both unreachable taints: " + taints(client));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> {
          Pod p = client.pods().inNamespace("default").withName("short").get();
          return p == null || p.getMetadata().getDeletionTimestamp() != null;
        });
        // grace 2 s + toleration 2 s, less the taint's timeAdded precision (whole seconds, as Kubernetes')
        // and the last renewal's lead on lostAt (≤ 0.3 s); an eviction without the toleration comes at ~2 s
        assertTrue(System.nanoTime() - lostAt >= Duration.ofMillis(2500).toNanos(), "grace 2 s + toleration 2 s");
        assertNull(client.pods().inNamespace("default").withName("forever").get().getMetadata().getDeletionTimestamp());

        renewing.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> taints(client).isEmpty());
      } finally {
        kubelet.shutdownNow();
      }
    }
  }

  @Test
  void allNodesLostMeansNoEvictionAsTheControllerMayBeTheOneCutOff() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("nodelifecycle"),
        o -> o.withNodeMonitorGracePeriod(Duration.ofSeconds(1)))) {
      KubernetesClient client = cluster.client();
      cluster.markReady(false);
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-node-lease").endMetadata().build())
          .createOr(r -> r.update());
      AtomicBoolean renewing = new AtomicBoolean(true);
      ScheduledExecutorService kubelet = kubelets(client, java.util.Map.of("n1", renewing, "n2", renewing));
      try {
        renewing.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().list().getItems().stream().allMatch(n ->
            n.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "Unknown".equals(c.getStatus()))));
        // no NoExecute taint (no eviction); the NoSchedule ones of the Unknown condition only keep new pods away
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> client.nodes().list().getItems().stream()
            .allMatch(n -> n.getSpec().getTaints().stream().noneMatch(t -> "NoExecute".equals(t.getEffect()))
                && n.getSpec().getTaints().stream().anyMatch(t -> Taints.UNREACHABLE.equals(t.getKey()) && "NoSchedule".equals(t.getEffect()))));
      } finally {
        kubelet.shutdownNow();
      }
    }
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("zoneCases")
  void zoneStateAndRateFollowKubernetes(String name, int ready, int notReady, boolean allDown, Zones.State state, double rate) {
    var e = io.jk.controllers.ControllerManagerOptions.Eviction.defaults();
    assertEquals(state, Zones.state(ready, notReady, e.unhealthyZoneThreshold()));
    assertEquals(rate, Zones.rate(state, ready + notReady, allDown, e));
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> zoneCases() {
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("one lost node of three is normal", 2, 1, false, Zones.State.NORMAL, 0.1),
        org.junit.jupiter.params.provider.Arguments.of("two lost of two is not partial (needs more than 2)", 1, 2, false, Zones.State.NORMAL, 0.1),
        org.junit.jupiter.params.provider.Arguments.of("3 of 5 lost in a small cluster stops tainting", 2, 3, false, Zones.State.PARTIAL_DISRUPTION, 0.0),
        org.junit.jupiter.params.provider.Arguments.of("60 of 100 lost in a large cluster slows to the secondary rate", 40, 60, false,
            Zones.State.PARTIAL_DISRUPTION, 0.01),
        org.junit.jupiter.params.provider.Arguments.of("a fully lost zone beside a healthy one evicts at the normal rate", 0, 4, false,
            Zones.State.FULL_DISRUPTION, 0.1),
        org.junit.jupiter.params.provider.Arguments.of("every zone lost stops eviction", 0, 4, true, Zones.State.FULL_DISRUPTION, 0.0));
  }

  @Test
  void zoneKeyComesFromTopologyLabels() {
    assertEquals("", Zones.zoneOf(new NodeBuilder().withNewMetadata().withName("a").endMetadata().build()));
    assertEquals("eu:eu-1a", Zones.zoneOf(new NodeBuilder().withNewMetadata().withName("a")
        .addToLabels(Zones.REGION_LABEL, "eu").addToLabels(Zones.ZONE_LABEL, "eu-1a").endMetadata().build()));
  }

  /** Creates each node Ready with a Lease, renewed every 300 ms while its flag is set. */
  static ScheduledExecutorService kubelets(KubernetesClient client, java.util.Map<String, AtomicBoolean> renewing) {
    for (String name : renewing.keySet()) {
      Node n = client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
      String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      client.nodes().resource(new NodeBuilder(n).withNewStatus().addNewCondition().withType("Ready").withStatus("True")
          .withReason("KubeletReady").withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition().endStatus().build()).updateStatus();
      client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName(name).endMetadata()
          .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40).withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build()).create();
    }
    ScheduledExecutorService kubelet = Executors.newSingleThreadScheduledExecutor();
    kubelet.scheduleAtFixedRate(() -> renewing.forEach((name, on) -> {
      if (on.get()) {
        client.leases().inNamespace("kube-node-lease").withName(name)
            .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)).endSpec().build());
        // as a kubelet does when it finds its node's status changed by someone else: Ready again
        // (a conflict with the controller's own write is retried at the next tick: an exception would end the schedule)
        try {
          Node n = client.nodes().withName(name).get();
          if (n.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && !"True".equals(c.getStatus()))) {
            String at = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            client.nodes().resource(new NodeBuilder(n).editStatus().withConditions(new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
                .withType("Ready").withStatus("True").withReason("KubeletReady").withLastHeartbeatTime(at)
                .withLastTransitionTime(at).build()).endStatus().build()).updateStatus();
          }
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          // next tick
        }
      }
    }), 300, 300, TimeUnit.MILLISECONDS);
    return kubelet;
  }

  /** n1's taints as {@code key:effect}. */
  static List<String> taints(KubernetesClient client) {
    Node n = client.nodes().withName("n1").get();
    return n.getSpec() == null || n.getSpec().getTaints() == null ? List.of()
        : n.getSpec().getTaints().stream().map(t -> t.getKey() + ":" + t.getEffect()).toList();
  }
}
