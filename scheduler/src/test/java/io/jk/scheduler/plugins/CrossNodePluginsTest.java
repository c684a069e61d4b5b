package io.jk.scheduler.plugins;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.interpodaffinity.InterPodAffinity;
import io.jk.scheduler.plugins.podtopologyspread.PodTopologySpread;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of the filters that look at other nodes' pods: (name, plugin, pod, the
 * cluster, the node under test by index, wanted status).
 */
class CrossNodePluginsTest {
  static final String ZONE = "topology.kubernetes.io/zone";
  static final String HOST = "kubernetes.io/hostname";

  static Pod web(String name) {
    return pod(name).label("app", "web").build();
  }

  /** Two zones: a has nodes a1 and a2, b has b1. */
  static List<NodeInfo> cluster(Pod[] onA1, Pod[] onB1) {
    return List.of(nodeInfo(node("a1").label(ZONE, "a").build(), onA1),
        nodeInfo(node("a2").label(ZONE, "a").build()),
        nodeInfo(node("b1").label(ZONE, "b").build(), onB1));
  }

  static Pod[] pods(Pod... p) {
    return p;
  }

  static Stream<Arguments> rows() {
    var spread = new PodTopologySpread();
    var ipa = new InterPodAffinity();
    Pod spreadPod = pod("new").label("app", "web").spread(1, ZONE, "DoNotSchedule", "web").build();
    return Stream.of(
        Arguments.of("spreading into the emptier zone is allowed", spread, spreadPod,
            cluster(pods(web("w1")), pods()), 2, Status.SUCCESS),
        Arguments.of("spreading into the fuller zone exceeds maxSkew 1", spread, spreadPod,
            cluster(pods(web("w1")), pods()), 1, Status.unschedulable(PodTopologySpread.REASON)),
        Arguments.of("a node without the topology label is unresolvable", spread, spreadPod,
            List.of(nodeInfo(node("x").build())), 0,
            Status.unresolvable(PodTopologySpread.MISSING_LABEL)),
        Arguments.of("pods of other apps do not count toward the skew", spread, spreadPod,
            cluster(pods(pod("other").label("app", "db").build()), pods()), 0, Status.SUCCESS),
        Arguments.of("anti-affinity keeps the pod off a node running a matching pod", ipa,
            pod("new").antiAffinity(HOST, "web").build(), cluster(pods(web("w1")), pods()), 0,
            Status.unschedulable(InterPodAffinity.ANTI_AFFINITY)),
        Arguments.of("anti-affinity by hostname allows another node in the same zone", ipa,
            pod("new").antiAffinity(HOST, "web").build(),
            List.of(nodeInfo(node("a1").label(ZONE, "a").build(), web("w1")),
                nodeInfo(node("a2").label(ZONE, "a").build())), 1, Status.SUCCESS),
        Arguments.of("anti-affinity by zone forbids the whole zone", ipa,
            pod("new").antiAffinity(ZONE, "web").build(), cluster(pods(web("w1")), pods()), 1,
            Status.unschedulable(InterPodAffinity.ANTI_AFFINITY)),
        Arguments.of("an existing pod's anti-affinity keeps a matching pod away", ipa, web("new"),
            cluster(pods(pod("guard").antiAffinity(HOST, "web").build()), pods()), 0,
            Status.unschedulable(InterPodAffinity.EXISTING_ANTI)),
        Arguments.of("affinity by zone allows the zone running a matching pod", ipa,
            pod("new").affinity(ZONE, "web").build(), cluster(pods(web("w1")), pods()), 1,
            Status.SUCCESS),
        Arguments.of("affinity by zone rejects the other zone", ipa,
            pod("new").affinity(ZONE, "web").build(), cluster(pods(web("w1")), pods()), 2,
            Status.unresolvable(InterPodAffinity.AFFINITY)),
        Arguments.of("the first pod of a group selecting itself may go anywhere", ipa,
            pod("new").label("app", "web").affinity(ZONE, "web").build(),
            cluster(pods(), pods()), 2, Status.SUCCESS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void filter(String name, FilterPlugin plugin, Pod pod, List<NodeInfo> nodes, int target,
      Status want) {
    Status got = Fixtures.filter(plugin, pod, nodes.get(target), nodes);
    assertEquals(want.code(), got.code());
    assertEquals(want.reasons(), got.reasons());
  }
}
