package io.jk.scheduler.plugins;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.nodeaffinity.NodeAffinity;
import io.jk.scheduler.plugins.nodename.NodeName;
import io.jk.scheduler.plugins.nodeports.NodePorts;
import io.jk.scheduler.plugins.noderesources.NodeResourcesFit;
import io.jk.scheduler.plugins.nodeunschedulable.NodeUnschedulable;
import io.jk.scheduler.plugins.tainttoleration.TaintToleration;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven tests of the per-node filters: (name, plugin, pod, node, wanted status). */
class FilterPluginsTest {

  static final Status OK = Status.SUCCESS;

  static Arguments row(String name, FilterPlugin plugin, Pod pod, NodeInfo node, Status want) {
    return Arguments.of(name, plugin, pod, node, want);
  }

  static Stream<Arguments> nodeResourcesFit() {
    var fit = new NodeResourcesFit(NodeResourcesFit.Strategy.LEAST_ALLOCATED);
    var small = node("n").capacity("1", "1Gi", "2").build();
    return Stream.of(
        row("a pod that asks less than the node has fits", fit, pod("p").cpu("500m").build(),
            nodeInfo(small), OK),
        row("a pod asking more cpu than left is insufficient cpu", fit,
            pod("p").cpu("600m").build(), nodeInfo(small, pod("o").cpu("500m").build()),
            Status.unschedulable("Insufficient cpu")),
        row("memory is checked as well", fit, pod("p").memory("2Gi").build(), nodeInfo(small),
            Status.unschedulable("Insufficient memory")),
        row("init container fits because it's the max, not the sum", fit,
            pod("p").cpu("500m").initCpu("900m").build(), nodeInfo(small), OK),
        row("an init container larger than the node does not fit", fit,
            pod("p").cpu("100m").initCpu("1100m").build(), nodeInfo(small),
            Status.unschedulable("Insufficient cpu")),
        row("a full node says too many pods", fit, pod("p").build(),
            nodeInfo(small, pod("a").build(), pod("b").build()),
            Status.unschedulable("Too many pods")));
  }

  static Stream<Arguments> simpleFilters() {
    return Stream.of(
        row("a pod naming another node does not go here", new NodeName(),
            pod("p").nodeName("other").build(), nodeInfo(node("n").build()),
            Status.unresolvable(NodeName.REASON)),
        row("a pod naming no node may go anywhere", new NodeName(), pod("p").build(),
            nodeInfo(node("n").build()), OK),
        row("a cordoned node takes no ordinary pod", new NodeUnschedulable(), pod("p").build(),
            nodeInfo(node("n").unschedulable().build()),
            Status.unresolvable(NodeUnschedulable.REASON)),
        row("a pod tolerating the unschedulable taint goes on a cordoned node",
            new NodeUnschedulable(),
            pod("p").tolerate("node.kubernetes.io/unschedulable", "", "NoSchedule").build(),
            nodeInfo(node("n").unschedulable().build()), OK),
        row("an untolerated NoSchedule taint keeps the pod off", new TaintToleration(),
            pod("p").build(), nodeInfo(node("n").taint("k", "v", "NoSchedule").build()),
            Status.unresolvable("node(s) had untolerated taint {k: v}")),
        row("an untolerated NoExecute taint keeps the pod off", new TaintToleration(),
            pod("p").build(), nodeInfo(node("n").taint("k", "v", "NoExecute").build()),
            Status.unresolvable("node(s) had untolerated taint {k: v}")),
        row("a tolerated taint lets the pod in", new TaintToleration(),
            pod("p").tolerate("k", "v", "NoSchedule").build(),
            nodeInfo(node("n").taint("k", "v", "NoSchedule").build()), OK),
        row("a toleration of another value does not help", new TaintToleration(),
            pod("p").tolerate("k", "w", "NoSchedule").build(),
            nodeInfo(node("n").taint("k", "v", "NoSchedule").build()),
            Status.unresolvable("node(s) had untolerated taint {k: v}")),
        row("PreferNoSchedule never filters", new TaintToleration(), pod("p").build(),
            nodeInfo(node("n").taint("k", "v", "PreferNoSchedule").build()), OK),
        row("a matching nodeSelector fits", new NodeAffinity(),
            pod("p").nodeSelector("disk", "ssd").build(),
            nodeInfo(node("n").label("disk", "ssd").build()), OK),
        row("a nodeSelector on a missing label does not fit", new NodeAffinity(),
            pod("p").nodeSelector("disk", "ssd").build(), nodeInfo(node("n").build()),
            Status.unresolvable(NodeAffinity.REASON)),
        row("required affinity In a listed zone fits", new NodeAffinity(),
            pod("p").requireNodeLabelIn("zone", "a", "b").build(),
            nodeInfo(node("n").label("zone", "b").build()), OK),
        row("required affinity in another zone does not fit", new NodeAffinity(),
            pod("p").requireNodeLabelIn("zone", "a").build(),
            nodeInfo(node("n").label("zone", "c").build()),
            Status.unresolvable(NodeAffinity.REASON)),
        row("a free host port fits", new NodePorts(), pod("p").hostPort(8080).build(),
            nodeInfo(node("n").build(), pod("o").hostPort(9090).build()), OK),
        row("a taken host port does not fit", new NodePorts(), pod("p").hostPort(8080).build(),
            nodeInfo(node("n").build(), pod("o").hostPort(8080).build()),
            Status.unschedulable(NodePorts.REASON)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"nodeResourcesFit", "simpleFilters"})
  void filter(String name, FilterPlugin plugin, Pod pod, NodeInfo node, Status want) {
    Status got = Fixtures.filter(plugin, pod, node, List.of(node));
    assertEquals(want.code(), got.code());
    assertEquals(want.reasons(), got.reasons());
  }
}
