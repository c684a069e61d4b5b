package io.jk.proxy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.testing.TestApiServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy against a real API server and a test-made node namespace with three busybox httpd
 * pods: what a client of a Service notices (who answers, refused connections, NodePort, affinity,
 * hairpin, routes) and that cleanup leaves nothing.
 */
class ProxyNetnsTest {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  private static TestApiServer api;
  private static KubernetesClient client;
  private static NetnsFixture net;
  private static Vertx vertx;
  private static Proxy proxy;
  private static PrometheusMeterRegistry registry;

  @BeforeAll
  static void setUp() throws Exception {
    Assumptions.assumeTrue(ROOT, "needs root: network namespaces and nftables");
    net = new NetnsFixture(3);
    api = TestApiServer.start();
    client = api.client();
    vertx = Vertx.vertx();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    proxy = new Proxy(vertx, client, new ProxyOptions("node-a", "10.244.0.0/16", Duration.ofMillis(100), net.node),
        registry);
    proxy.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (proxy != null) {
      proxy.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      proxy.routes().removeAll();
      Proxy.cleanup(new HostCommands(net.node));
    }
    if (vertx != null) {
      vertx.close();
    }
    if (api != null) {
      api.close();
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  void clusterIpReachesEveryReadyEndpointAndNoOther() {
    service("web", "10.96.0.50", 80, 0, false);
    slice("web", List.of(0, 1), List.of(2));
    Set<String> seen = new HashSet<>();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      String body = net.get(net.node, "10.96.0.50:80");
      assertFalse(body.startsWith("ERR"), body);
      seen.add(body);
      assertEquals(Set.of("pod-0", "pod-1"), seen);
    });
    for (int i = 0; i < 10; i++) {
      assertTrue(Set.of("pod-0", "pod-1").contains(net.get(net.pods.get(2), "10.96.0.50:80")),
          "a not-ready endpoint never answers");
    }
  }

  @Test
  void serviceWithoutReadyEndpointsRefusesConnections() {
    service("empty", "10.96.0.51", 80, 0, false);
    slice("empty", List.of(), List.of(0));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      long start = System.nanoTime();
      String body = net.get(net.pods.get(1), "10.96.0.51:80");
      assertTrue(body.contains("refused"), body);
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "refused at once, not a timeout");
      assertTrue(net.get(net.node, "10.96.0.51:80").contains("refused"));
    });
    // An endpoint turning ready: the service port moves from the reject set to the DNAT map.
    client.discovery().v1().endpointSlices().inNamespace("default").withName("empty-abc").edit(s -> {
      s.getEndpoints().get(0).getConditions().setReady(true);
      return s;
    });
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals("pod-0", net.get(net.pods.get(1), "10.96.0.51:80")));
    // The Service deleted: its address no longer leads anywhere.
    client.services().inNamespace("default").withName("empty").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertTrue(net.get(net.node, "10.96.0.51:80").startsWith("ERR"), "no DNAT after delete"));
  }

  @Test
  void nodePortReachesEndpointsOnTheNodeAddress() {
    service("np", "10.96.0.52", 80, 30080, false);
    slice("np", List.of(1), List.of());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals("pod-1", net.get(net.node, NetnsFixture.NODE_IP + ":30080")));
    assertEquals("pod-1", net.get(net.pods.get(0), NetnsFixture.NODE_IP + ":30080"));
  }

  @Test
  void clientIpAffinityKeepsAClientOnOneEndpoint() {
    service("sticky", "10.96.0.53", 80, 0, true);
    slice("sticky", List.of(0, 1, 2), List.of());
    String first = await().atMost(Duration.ofSeconds(30))
        .until(() -> net.get(net.pods.get(2), "10.96.0.53:80"), b -> b.startsWith("pod-"));
    for (int i = 0; i < 12; i++) {
      assertEquals(first, net.get(net.pods.get(2), "10.96.0.53:80"));
    }
  }

  @Test
  void podReachesItselfThroughItsService() {
    service("self", "10.96.0.54", 80, 0, false);
    slice("self", List.of(0), List.of());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals("pod-0", net.get(net.pods.get(0), "10.96.0.54:80")));
  }

  @Test
  void routesFollowOtherNodesAndCleanupRemovesTheTable() throws Exception {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-b").endMetadata()
        .withNewSpec().withPodCIDR("10.244.7.0/24").endSpec().build()).create();
    client.nodes().withName("node-b").editStatus(n -> new NodeBuilder(n).withNewStatus()
        .addNewAddress().withType("InternalIP").withAddress(NetnsFixture.PEER_NODE_IP).endAddress()
        .endStatus().build());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertTrue(net.ip("-n", net.node, "route").contains("10.244.7.0/24 via " + NetnsFixture.PEER_NODE_IP)));
    client.nodes().withName("node-b").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertFalse(net.ip("-n", net.node, "route").contains("10.244.7.0/24")));

    assertTrue(net.nft(net.node, "list", "tables").contains("jk-proxy"));
    assertTrue(registry.scrape().contains("proxy_sync_proxy_rules_duration_seconds"));
    String hostTables = new HostCommands(null).run(null, "nft", "list", "tables");
    assertFalse(hostTables.contains("jk-proxy"), "the host's own nftables are untouched");
    // A second proxy's cleanup, as `jk proxy --cleanup` does, in a scratch namespace of this node.
    HostCommands node = new HostCommands(net.node);
    node.nft("add table ip keep-me\n");
    try {
      String scratch = net.node + "-scratch";
      new HostCommands(null).ip("netns", "add", scratch);
      try {
        HostCommands other = new HostCommands(scratch);
        other.nft(RuleSet.render(ProxyModel.rules(List.of(), List.of()), null).text());
        Proxy.cleanup(other);
        assertEquals("", other.run(null, "nft", "list", "tables").strip(), "cleanup leaves no table");
        Proxy.cleanup(other); // idempotent
      } finally {
        new HostCommands(null).ip("netns", "del", scratch);
      }
      assertTrue(net.nft(net.node, "list", "tables").contains("keep-me"), "other tables survive syncs");
    } finally {
      node.nft("delete table ip keep-me\n");
    }
  }

  private static void service(String name, String ip, int port, int nodePort, boolean affinity) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withType(nodePort > 0 ? "NodePort" : "ClusterIP").withClusterIP(ip)
        .withSessionAffinity(affinity ? "ClientIP" : "None")
        .addNewPort().withName("http").withPort(port).withProtocol("TCP")
        .withNewTargetPort(8080).withNodePort(nodePort > 0 ? nodePort : null).endPort().endSpec();
    Service created = client.services().resource(b.build()).create();
    assertEquals(ip, created.getSpec().getClusterIP());
  }

  private static void slice(String service, List<Integer> ready, List<Integer> notReady) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(service + "-abc")
        .withNamespace("default").addToLabels(ProxyModel.SERVICE_NAME_LABEL, service).endMetadata()
        .withAddressType("IPv4").addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort();
    for (int i : ready) {
      b.addNewEndpoint().withAddresses(net.podIps.get(i)).withNewConditions().withReady(true).endConditions()
          .endEndpoint();
    }
    for (int i : notReady) {
      b.addNewEndpoint().withAddresses(net.podIps.get(i)).withNewConditions().withReady(false).endConditions()
          .endEndpoint();
    }
    EndpointSlice s = b.build();
    client.discovery().v1().endpointSlices().resource(s).create();
  }
}
