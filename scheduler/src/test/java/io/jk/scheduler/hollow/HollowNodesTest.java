package io.jk.scheduler.hollow;

import static io.jk.scheduler.PodBuilders.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.plugins.defaultbinder.DefaultBinder;
import io.jk.testing.TestApiServer;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HollowNodesTest {

  @Test
  void nodesAreReadyRenewTheirLeasesRunBoundPodsAndFinishGracefulDeletion() throws Exception {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      try (HollowNodes nodes = HollowNodes.start(client, 3, HollowNodeSpec.defaults()
          .withLeaseRenewInterval(Duration.ofMillis(500)))) {
        assertEquals(List.of("hollow-node-0", "hollow-node-1", "hollow-node-2"), nodes.nodeNames());
        Node n1 = client.nodes().withName("hollow-node-1").get();
        assertEquals("zone-1", n1.getMetadata().getLabels().get("topology.kubernetes.io/zone"));
        assertTrue(n1.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
        assertEquals("4", n1.getStatus().getAllocatable().get("cpu").toString());

        String first = client.leases().inNamespace("kube-node-lease").withName("hollow-node-2")
            .get().getSpec().getRenewTime().toString();
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.leases()
            .inNamespace("kube-node-lease").withName("hollow-node-2").get().getSpec()
            .getRenewTime().toString().equals(first));

        Pod p = client.pods().inNamespace("default").resource(pod("web").build()).create();
        new DefaultBinder(client).bind(PodInfo.of(p), "hollow-node-1")
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(
            client.pods().inNamespace("default").withName("web").get().getStatus().getPhase()));
        Pod running = client.pods().inNamespace("default").withName("web").get();
        assertTrue(running.getStatus().getPodIP().startsWith("127."), "pod IPs stay on loopback");
        assertTrue(running.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));

        client.pods().inNamespace("default").withName("web").withGracePeriod(30).delete();
        await().atMost(Duration.ofSeconds(10)).until(() ->
            client.pods().inNamespace("default").withName("web").get() == null);
        assertEquals(p.getMetadata().getName(), "web");
      }
      // close() removed the nodes and their Leases (lists may trail the deletes by a moment).
      await().atMost(Duration.ofSeconds(5)).until(() -> client.nodes().list().getItems().isEmpty()
          && client.leases().inNamespace("kube-node-lease").list().getItems().isEmpty());
    }
  }

  @Test
  void renewTimesAlwaysHaveSixFractionDigitsAsKubernetesMicroTimeRequires() {
    var t = java.time.ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 270_000_000, java.time.ZoneOffset.UTC);
    assertEquals("2026-01-02T03:04:05.270000Z", HollowNodes.MICRO_TIME.format(t));
  }

  @Test
  void aNegativeCountIsRejected() {
    try (TestApiServer api = TestApiServer.start()) {
      var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> HollowNodes.start(api.client(), -1, HollowNodeSpec.defaults()));
      assertEquals("count must not be negative", e.getMessage());
    }
  }

  @Test
  void podStatusWritesInFlightGrowWithTheNodesAsRealKubeletsEachWriteTheirOwn() {
    // 64 for a handful of nodes; 1,000 nodes keep 500 writes in flight (64 made their pods reach
    // Running 4-12 s after the last binding of scheduler/bench.sh); never more than 512.
    assertEquals(64, HollowNodes.podWriteConcurrency(3));
    assertEquals(64, HollowNodes.podWriteConcurrency(128));
    assertEquals(500, HollowNodes.podWriteConcurrency(1000));
    assertEquals(512, HollowNodes.podWriteConcurrency(5000));
  }

  @Test
  void leaseRenewalsInFlightGrowWithTheNodesSoEveryLeaseIsRenewedEachInterval() {
    // 1,000 nodes renewing every 10 s need 100 renewals/s: 100 in flight keep up with 1 s answers.
    assertEquals(16, HollowNodes.leaseWriteConcurrency(3));
    assertEquals(100, HollowNodes.leaseWriteConcurrency(1000));
    assertEquals(256, HollowNodes.leaseWriteConcurrency(5000));
  }
}
