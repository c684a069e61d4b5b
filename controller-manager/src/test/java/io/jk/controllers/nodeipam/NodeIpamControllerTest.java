package io.jk.controllers.nodeipam;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeIpamControllerTest {

  static String podCidr(KubernetesClient client, String node) {
    Node n = client.nodes().withName(node).get();
    return n == null || n.getSpec() == null ? null : n.getSpec().getPodCIDR();
  }

  @Test
  void nodesGetUniquePodCidrsAndADeletedNodesBlockIsReused() {
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("nodeipam"), o -> o.withClusterCidr("10.244.0.0/22", 24))) {
      KubernetesClient client = cluster.client();
      for (int i = 1; i <= 5; i++) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n" + i).endMetadata().build()).create();
        if (i == 4) {
          // the range holds four /24s: wait for them before the fifth node asks
          await().atMost(Duration.ofSeconds(20)).until(() -> podCidr(client, "n4") != null);
        }
      }
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Set<String> cidrs = new HashSet<>();
        for (int i = 1; i <= 4; i++) {
          String c = podCidr(client, "n" + i);
          assertEquals(true, c != null && c.startsWith("10.244.") && c.endsWith(".0/24"), "n" + i + " got " + c);
          cidrs.add(c);
        }
        assertEquals(4, cidrs.size(), "unique: " + cidrs);
        assertEquals(List.of(podCidr(client, "n1")), client.nodes().withName("n1").get().getSpec().getPodCIDRs());
      });
      assertNull(podCidr(client, "n5"), "range exhausted");
      String freed = podCidr(client, "n2");
      client.nodes().withName("n2").delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> freed.equals(podCidr(client, "n5")));
    }
  }
}
