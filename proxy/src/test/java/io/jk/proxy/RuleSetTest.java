package io.jk.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** From API objects to rules and routes, and what the rendered table holds. */
class RuleSetTest {

  static Stream<Arguments> services() {
    return Stream.of(
        Arguments.of("headless service gets no rules", svc("None", "ClusterIP", null), slice(true), 0, 0),
        Arguments.of("ExternalName service gets no rules", svc("10.96.0.9", "ExternalName", null), slice(true), 0, 0),
        Arguments.of("ready endpoint is used", svc("10.96.0.9", "ClusterIP", null), slice(true), 1, 1),
        Arguments.of("not-ready endpoint is left out", svc("10.96.0.9", "ClusterIP", null), slice(false), 1, 0),
        Arguments.of("ready condition unset counts as ready", svc("10.96.0.9", "ClusterIP", null), slice(null), 1, 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("services")
  void rulesFollowServicesAndReadiness(String name, Service svc, EndpointSlice slice, int wantPorts, int wantEndpoints) {
    List<ServicePortRule> rules = ProxyModel.rules(List.of(svc), List.of(slice));
    assertEquals(wantPorts, rules.size());
    if (wantPorts > 0) {
      assertEquals(wantEndpoints, rules.get(0).endpoints().size());
    }
  }

  @Test
  void renderedTableLoadBalancesRejectsAndMasquerades() {
    var ep = List.of(new ServicePortRule.Endpoint("10.244.1.2", 8080), new ServicePortRule.Endpoint("10.244.2.2", 8080));
    var rules = List.of(
        new ServicePortRule("default/web:http", "10.96.0.10", "tcp", 80, 30080, 0, ep),
        new ServicePortRule("default/db:5432", "10.96.0.11", "tcp", 5432, 0, 60, ep),
        new ServicePortRule("default/empty:80", "10.96.0.12", "udp", 80, 30081, 0, List.of()));
    assertEquals(RuleSet.render(rules, "10.244.0.0/16").rules(), RuleSet.countRules(rules, "10.244.0.0/16"));
    assertEquals(RuleSet.render(rules, null).rules(), RuleSet.countRules(rules, null));
    String text = RuleSet.render(List.of(
        new ServicePortRule("default/web:http", "10.96.0.10", "tcp", 80, 30080, 0, ep),
        new ServicePortRule("default/db:5432", "10.96.0.11", "tcp", 5432, 0, 60, ep),
        new ServicePortRule("default/empty:80", "10.96.0.12", "tcp", 80, 0, 0, List.of())), "10.244.0.0/16").text();
    assertTrue(text.startsWith("add table ip jk-proxy\ndelete table ip jk-proxy\n"), "one atomic rewrite of our table only");
    assertTrue(text.contains("10.96.0.10 . tcp . 80 : goto svc_default_web_http_tcp"));
    assertTrue(text.contains("meta l4proto tcp dnat to numgen random mod 2 map { 0 : 10.244.1.2 . 8080, 1 : 10.244.2.2 . 8080 }"),
        "random pick and DNAT in one rule, no chain per endpoint");
    assertFalse(text.contains("chain ep_default_web"), "no endpoint chains without affinity");
    assertTrue(text.contains("numgen random mod 2 vmap { 0 : goto ep_default_db_5432_tcp_10_244_1_2_8080, 1 : goto ep_default_db_5432_tcp_10_244_2_2_8080 }"),
        "affinity keeps a chain per endpoint to remember the pick");
    assertTrue(text.contains("tcp . 30080 : goto ext_default_web_http_tcp"));
    assertTrue(text.contains("flags dynamic,timeout; timeout 60s;"), "ClientIP affinity set");
    assertTrue(text.contains("set no-endpoint-services { type ipv4_addr . inet_proto . inet_service; elements = { 10.96.0.12 . tcp . 80 } }"));
    assertTrue(text.contains("set hairpin { type ipv4_addr . ipv4_addr; elements = { 10.244.1.2 . 10.244.1.2, 10.244.2.2 . 10.244.2.2 } }"),
        "hairpin pairs");
    assertTrue(text.contains("ct status dnat ip saddr . ip daddr @hairpin masquerade"), "hairpin masquerade");
    assertTrue(text.contains("ip saddr != 10.244.0.0/16 jump mark-for-masquerade"), "outside-cluster masquerade");
    assertFalse(text.contains("table inet") || text.contains("table ip filter") || text.contains("table ip nat"));
  }

  @Test
  void routesGoToOtherNodesInternalIps() {
    var self = new NodeBuilder().withNewMetadata().withName("a").endMetadata().withNewSpec().withPodCIDR("10.244.0.0/24")
        .endSpec().withNewStatus().addNewAddress().withType("InternalIP").withAddress("172.20.0.11").endAddress().endStatus().build();
    var other = new NodeBuilder().withNewMetadata().withName("b").endMetadata().withNewSpec().withPodCIDR("10.244.1.0/24")
        .endSpec().withNewStatus().addNewAddress().withType("Hostname").withAddress("b").endAddress()
        .addNewAddress().withType("InternalIP").withAddress("172.20.0.12").endAddress().endStatus().build();
    var noCidr = new NodeBuilder().withNewMetadata().withName("c").endMetadata().build();
    assertEquals(Map.of("10.244.1.0/24", "172.20.0.12"), ProxyModel.routes(List.of(self, other, noCidr), "a"));
  }

  @Test
  void badInputIsRefusedClearly() {
    assertThrows(IllegalArgumentException.class, () -> new ServicePortRule("x", "10.0.0.1", "icmp", 80, 0, 0, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new ProxyOptions("n", "not-a-cidr", java.time.Duration.ZERO, null));
    assertEquals(java.time.Duration.ofMillis(250), io.jk.common.config.Durations.parse("250ms"));
    assertThrows(IllegalArgumentException.class, () -> io.jk.common.config.Durations.parse("soon"));
  }

  private static Service svc(String ip, String type, String affinity) {
    return new ServiceBuilder().withNewMetadata().withName("s").withNamespace("default").endMetadata()
        .withNewSpec().withType(type).withClusterIP(ip).withSessionAffinity(affinity)
        .addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort().endSpec().build();
  }

  private static EndpointSlice slice(Boolean ready) {
    return new EndpointSliceBuilder().withNewMetadata().withName("s-1").withNamespace("default")
        .addToLabels(ProxyModel.SERVICE_NAME_LABEL, "s").endMetadata().withAddressType("IPv4")
        .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort()
        .addNewEndpoint().withAddresses("10.244.1.5").withNewConditions().withReady(ready).endConditions().endEndpoint()
        .build();
  }
}
