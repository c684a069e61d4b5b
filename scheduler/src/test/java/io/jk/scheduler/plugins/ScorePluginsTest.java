package io.jk.scheduler.plugins;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Plugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.plugins.interpodaffinity.InterPodAffinity;
import io.jk.scheduler.plugins.nodeaffinity.NodeAffinity;
import io.jk.scheduler.plugins.noderesources.BalancedAllocation;
import io.jk.scheduler.plugins.noderesources.NodeResourcesFit;
import io.jk.scheduler.plugins.podtopologyspread.PodTopologySpread;
import io.jk.scheduler.plugins.tainttoleration.TaintToleration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of scoring: a framework with one score plugin must choose the wanted node
 * (name, plugin, pod, nodes, wanted node).
 */
class ScorePluginsTest {

  static Stream<Arguments> rows() {
    NodeInfo busy = nodeInfo(node("busy").capacity("4", "8Gi", "110").build(),
        pod("o").cpu("3").memory("6Gi").build());
    NodeInfo idle = nodeInfo(node("idle").capacity("4", "8Gi", "110").build());
    NodeInfo cpuHeavy = nodeInfo(node("cpu-heavy").capacity("4", "8Gi", "110").build(),
        pod("o").cpu("3").memory("1Gi").build());
    NodeInfo even = nodeInfo(node("even").capacity("4", "8Gi", "110").build(),
        pod("o").cpu("2").memory("4Gi").build());
    return Stream.of(
        Arguments.of("LeastAllocated spreads onto the idle node",
            new NodeResourcesFit(NodeResourcesFit.Strategy.LEAST_ALLOCATED),
            pod("p").cpu("100m").memory("100Mi").build(), List.of(busy, idle), "idle"),
        Arguments.of("MostAllocated packs onto the busy node",
            new NodeResourcesFit(NodeResourcesFit.Strategy.MOST_ALLOCATED),
            pod("p").cpu("100m").memory("100Mi").build(), List.of(idle, busy), "busy"),
        Arguments.of("BalancedAllocation prefers cpu and memory used alike",
            new BalancedAllocation(), pod("p").cpu("100m").memory("100Mi").build(),
            List.of(cpuHeavy, even), "even"),
        Arguments.of("an untolerated PreferNoSchedule taint is avoided", new TaintToleration(),
            pod("p").build(), List.of(nodeInfo(node("tainted").taint("k", "v", "PreferNoSchedule")
                .build()), nodeInfo(node("clean").build())), "clean"),
        Arguments.of("preferred node affinity wins", new NodeAffinity(),
            pod("p").preferNodeLabel(10, "disk", "ssd").build(),
            List.of(nodeInfo(node("hdd").label("disk", "hdd").build()),
                nodeInfo(node("ssd").label("disk", "ssd").build())), "ssd"),
        Arguments.of("ScheduleAnyway spread prefers the emptier zone", new PodTopologySpread(),
            pod("p").label("app", "w").spread(1, "zone", "ScheduleAnyway", "w").build(),
            List.of(nodeInfo(node("a").label("zone", "a").build(),
                    pod("w1").label("app", "w").build()),
                nodeInfo(node("b").label("zone", "b").build())), "b"),
        Arguments.of("preferred anti-affinity avoids the node running a match",
            new InterPodAffinity(),
            pod("p").preferAntiAffinity(50, "kubernetes.io/hostname", "w").build(),
            List.of(nodeInfo(node("a").build(), pod("w1").label("app", "w").build()),
                nodeInfo(node("b").build())), "b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void choosesTheWantedNode(String name, Plugin plugin, Pod pod, List<NodeInfo> nodes,
      String want) {
    Framework fw = new Framework(List.of(plugin), Map.of(), 100);
    for (int i = 0; i < 20; i++) { // random tie-breaks must never pick the other node
      var r = fw.schedule(new CycleState(), PodInfo.of(pod), new Snapshot(nodes));
      assertEquals(want, r.nodeName());
    }
  }
}
