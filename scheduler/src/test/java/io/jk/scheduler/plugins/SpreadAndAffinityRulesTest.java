package io.jk.scheduler.plugins;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.interpodaffinity.InterPodAffinity;
import io.jk.scheduler.plugins.podtopologyspread.PodTopologySpread;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of PodTopologySpread's node inclusion policies, matchLabelKeys and
 * minDomains, and of InterPodAffinity's namespaces and namespaceSelector: (name, plugin, pod,
 * cluster, index of the node under test, wanted status).
 */
class SpreadAndAffinityRulesTest {
  static final String ZONE = "topology.kubernetes.io/zone";
  static final String HOST = "kubernetes.io/hostname";
  static final Status SKEW = Status.unschedulable(PodTopologySpread.REASON);
  static final Status ANTI = Status.unschedulable(InterPodAffinity.ANTI_AFFINITY);
  static final Status EXISTING = Status.unschedulable(InterPodAffinity.EXISTING_ANTI);

  static Pod web(String name) {
    return pod(name).label("app", "web").build();
  }

  static Pod webRev(String name, String rev) {
    return pod(name).label("app", "web").label("rev", rev).build();
  }

  static TopologySpreadConstraintBuilder zoneSpread() {
    return new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey(ZONE)
        .withWhenUnsatisfiable("DoNotSchedule")
        .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
  }

  /** Zone a: a1 with two web pods; zone b: b1 with one; zone c: c1 (pool=other) with none. */
  static List<NodeInfo> poolCluster() {
    return List.of(
        nodeInfo(node("a1").label(ZONE, "a").label("pool", "main").build(), web("w1"), web("w2")),
        nodeInfo(node("b1").label(ZONE, "b").label("pool", "main").build(), web("w3")),
        nodeInfo(node("c1").label(ZONE, "c").label("pool", "other").build()));
  }

  /** Like {@link #poolCluster()} but c1 is in the main pool and tainted dedicated=x:NoSchedule. */
  static List<NodeInfo> taintedCluster() {
    return List.of(
        nodeInfo(node("a1").label(ZONE, "a").build(), web("w1"), web("w2")),
        nodeInfo(node("b1").label(ZONE, "b").build(), web("w3")),
        nodeInfo(node("c1").label(ZONE, "c").taint("dedicated", "x", "NoSchedule").build()));
  }

  /** Two zones with one web pod each. */
  static List<NodeInfo> twoZones() {
    return List.of(nodeInfo(node("a1").label(ZONE, "a").build(), web("w1")),
        nodeInfo(node("b1").label(ZONE, "b").build(), web("w2")));
  }

  static Stream<Arguments> spreadRows() {
    var spread = new PodTopologySpread();
    return Stream.of(
        Arguments.of("nodeAffinityPolicy Honor (default) leaves the other pool's empty zone out "
            + "of the minimum", spread, pod("new").label("app", "web").nodeSelector("pool", "main")
            .spread(zoneSpread().build()).build(), poolCluster(), 1, Status.SUCCESS),
        Arguments.of("nodeAffinityPolicy Honor still rejects the fuller zone", spread,
            pod("new").label("app", "web").nodeSelector("pool", "main")
                .spread(zoneSpread().build()).build(), poolCluster(), 0, SKEW),
        Arguments.of("nodeAffinityPolicy Ignore counts the other pool's empty zone", spread,
            pod("new").label("app", "web").nodeSelector("pool", "main")
                .spread(zoneSpread().withNodeAffinityPolicy("Ignore").build()).build(),
            poolCluster(), 1, SKEW),
        Arguments.of("nodeTaintsPolicy Ignore (default) counts a tainted node's empty zone",
            spread, pod("new").label("app", "web").spread(zoneSpread().build()).build(),
            taintedCluster(), 1, SKEW),
        Arguments.of("nodeTaintsPolicy Honor leaves an untolerated tainted node out", spread,
            pod("new").label("app", "web")
                .spread(zoneSpread().withNodeTaintsPolicy("Honor").build()).build(),
            taintedCluster(), 1, Status.SUCCESS),
        Arguments.of("nodeTaintsPolicy Honor counts a tainted node the pod tolerates", spread,
            pod("new").label("app", "web").tolerate("dedicated", "x", "NoSchedule")
                .spread(zoneSpread().withNodeTaintsPolicy("Honor").build()).build(),
            taintedCluster(), 1, SKEW),
        Arguments.of("without matchLabelKeys every web pod counts", spread,
            pod("new").label("app", "web").label("rev", "2").spread(zoneSpread().build()).build(),
            List.of(nodeInfo(node("a1").label(ZONE, "a").build(), webRev("w1", "1"),
                webRev("w2", "1")), nodeInfo(node("b1").label(ZONE, "b").build())), 0, SKEW),
        Arguments.of("matchLabelKeys counts only pods of the pod's own revision", spread,
            pod("new").label("app", "web").label("rev", "2")
                .spread(zoneSpread().withMatchLabelKeys("rev").build()).build(),
            List.of(nodeInfo(node("a1").label(ZONE, "a").build(), webRev("w1", "1"),
                webRev("w2", "1")), nodeInfo(node("b1").label(ZONE, "b").build())), 0,
            Status.SUCCESS),
        Arguments.of("a matchLabelKeys key the pod lacks is ignored", spread,
            pod("new").label("app", "web")
                .spread(zoneSpread().withMatchLabelKeys("rev").build()).build(),
            List.of(nodeInfo(node("a1").label(ZONE, "a").build(), webRev("w1", "1"),
                webRev("w2", "1")), nodeInfo(node("b1").label(ZONE, "b").build())), 0, SKEW),
        Arguments.of("without minDomains the minimum is the emptiest zone's count", spread,
            pod("new").label("app", "web").spread(zoneSpread().build()).build(), twoZones(), 0,
            Status.SUCCESS),
        Arguments.of("fewer zones than minDomains make the global minimum 0", spread,
            pod("new").label("app", "web").spread(zoneSpread().withMinDomains(3).build()).build(),
            twoZones(), 0, SKEW),
        Arguments.of("as many zones as minDomains keep the real minimum", spread,
            pod("new").label("app", "web").spread(zoneSpread().withMinDomains(2).build()).build(),
            twoZones(), 0, Status.SUCCESS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("spreadRows")
  void spread(String name, FilterPlugin plugin, Pod pod, List<NodeInfo> nodes, int target,
      Status want) {
    check(plugin, pod, nodes, target, want);
  }

  static final Map<String, Map<String, String>> NAMESPACES = Map.of(
      "team-a", Map.of("team", "a"), "default", Map.of("env", "prod"));

  static PodAffinityTerm antiWeb(List<String> namespaces, LabelSelector nsSelector) {
    return new PodAffinityTermBuilder().withTopologyKey(HOST)
        .withLabelSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build())
        .withNamespaces(namespaces).withNamespaceSelector(nsSelector).build();
  }

  static LabelSelector nsLabel(String k, String v) {
    return new LabelSelectorBuilder().addToMatchLabels(k, v).build();
  }

  /** a1 runs a web pod in namespace team-a; a2 is empty. */
  static List<NodeInfo> teamCluster() {
    return List.of(nodeInfo(node("a1").build(),
        pod("w1").namespace("team-a").label("app", "web").build()), nodeInfo(node("a2").build()));
  }

  static Stream<Arguments> namespaceRows() {
    var ipa = new InterPodAffinity(ns -> NAMESPACES.getOrDefault(ns, Map.of()));
    return Stream.of(
        Arguments.of("with neither namespaces nor a selector only the pod's own namespace counts",
            ipa, pod("new").antiAffinity(antiWeb(null, null)).build(), teamCluster(), 0,
            Status.SUCCESS),
        Arguments.of("a listed namespace counts", ipa,
            pod("new").antiAffinity(antiWeb(List.of("team-a"), null)).build(), teamCluster(), 0,
            ANTI),
        Arguments.of("a namespace selected by its labels counts", ipa,
            pod("new").antiAffinity(antiWeb(null, nsLabel("team", "a"))).build(), teamCluster(),
            0, ANTI),
        Arguments.of("a namespace the selector does not select does not count", ipa,
            pod("new").antiAffinity(antiWeb(null, nsLabel("team", "b"))).build(), teamCluster(),
            0, Status.SUCCESS),
        Arguments.of("an empty namespace selector selects every namespace", ipa,
            pod("new").antiAffinity(antiWeb(null, new LabelSelector())).build(), teamCluster(), 0,
            ANTI),
        Arguments.of("namespaces and the selector are a union", ipa,
            pod("new").antiAffinity(antiWeb(List.of("elsewhere"), nsLabel("team", "a"))).build(),
            teamCluster(), 0, ANTI),
        Arguments.of("every namespace carries its name label", ipa,
            pod("new").antiAffinity(antiWeb(null,
                nsLabel("kubernetes.io/metadata.name", "team-a"))).build(), teamCluster(), 0, ANTI),
        Arguments.of("the other node stays open", ipa,
            pod("new").antiAffinity(antiWeb(List.of("team-a"), null)).build(), teamCluster(), 1,
            Status.SUCCESS),
        Arguments.of("an existing pod's anti-affinity selecting the new pod's namespace by label "
            + "keeps it away", ipa, web("new"),
            List.of(nodeInfo(node("a1").build(), pod("guard").namespace("team-a")
                .antiAffinity(antiWeb(null, nsLabel("env", "prod"))).build())), 0, EXISTING),
        Arguments.of("an existing pod's anti-affinity without namespaces ignores other namespaces",
            ipa, web("new"), List.of(nodeInfo(node("a1").build(), pod("guard").namespace("team-a")
                .antiAffinity(antiWeb(null, null)).build())), 0, Status.SUCCESS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("namespaceRows")
  void namespaces(String name, FilterPlugin plugin, Pod pod, List<NodeInfo> nodes, int target,
      Status want) {
    check(plugin, pod, nodes, target, want);
  }

  private static void check(FilterPlugin plugin, Pod pod, List<NodeInfo> nodes, int target,
      Status want) {
    Status got = Fixtures.filter(plugin, pod, nodes.get(target), nodes);
    assertEquals(want.code(), got.code(), () -> "got " + got);
    assertEquals(want.reasons(), got.reasons());
  }
}
