package io.jk.scheduler.framework;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.scheduler.Plugins;
import io.jk.scheduler.SchedulerConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FrameworkTest {
  private final Framework fw = Plugins.framework(SchedulerConfig.defaults(), null);

  @Test
  void theMessageCountsReasonsPerNodeSortedAsKubernetesPrintsThem() {
    List<NodeInfo> nodes = List.of(
        nodeInfo(node("cordoned").unschedulable().build()),
        nodeInfo(node("small-1").capacity("1", "1Gi", "110").build()),
        nodeInfo(node("small-2").capacity("1", "1Gi", "110").build()));
    var r = fw.schedule(new CycleState(), PodInfo.of(pod("p").cpu("2").build()), new Snapshot(nodes));
    assertFalse(r.scheduled());
    assertEquals("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.",
        r.diagnosis().message());
    assertTrue(r.diagnosis().preemptionMightHelp(), "insufficient cpu could be fixed by preemption");
  }

  @ParameterizedTest(name = "{0} nodes: look for {1} feasible nodes")
  @CsvSource({"50, 50", "100, 100", "1000, 420", "5000, 500", "20000, 1000"})
  void adaptivePercentageOfNodesToScoreMatchesKubernetes(int nodes, int want) {
    assertEquals(want, fw.numFeasibleNodesToFind(nodes));
  }

  @Test
  void filteringManyNodesInParallelFindsOnlyFeasibleOnesAndRotatesTheStart() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      nodes.add(i % 2 == 0 ? nodeInfo(node("n-" + i).build())
          : nodeInfo(node("n-" + i).taint("k", "v", "NoSchedule").build()));
    }
    Framework f = new Framework(Plugins.enabled(SchedulerConfig.defaults(), null), Map.of(), 0);
    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      var r = f.schedule(new CycleState(), PodInfo.of(pod("p" + i).build()), new Snapshot(nodes));
      int idx = Integer.parseInt(r.nodeName().substring(2));
      assertEquals(0, idx % 2, "a tainted node was chosen: " + r.nodeName());
      assertEquals(Math.min(1000, f.numFeasibleNodesToFind(2000)), r.feasibleNodes());
      chosen.add(r.nodeName());
    }
    assertTrue(chosen.size() > 10, "placements spread over the cluster: " + chosen.size());
  }

  /** A filter whose PreFilter skips it, and a scorer whose PreScore skips it. */
  static final class Skipper implements PreFilterPlugin, FilterPlugin, ScorePlugin {
    int filterCalls;
    int scoreCalls;

    @Override
    public String name() {
      return "Skipper";
    }

    @Override
    public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
      return Status.SKIP;
    }

    @Override
    public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
      filterCalls++;
      return Status.unresolvable("never");
    }

    @Override
    public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> feasible) {
      return Status.SKIP;
    }

    @Override
    public long score(CycleState state, PodInfo pod, NodeInfo node) {
      scoreCalls++;
      return 0;
    }
  }

  @Test
  void aPluginSkippedAtPreFilterAndPreScoreIsNeitherFilteredNorScored() {
    Skipper skipper = new Skipper();
    List<Plugin> plugins = new ArrayList<>(Plugins.enabled(SchedulerConfig.defaults(), null));
    plugins.add(0, skipper);
    Framework f = new Framework(plugins, Map.of(), 0);
    List<NodeInfo> nodes = List.of(nodeInfo(node("a").build()), nodeInfo(node("b").build()));
    var r = f.schedule(new CycleState(), PodInfo.of(pod("p").build()), new Snapshot(nodes));
    assertTrue(r.scheduled(), "a skipped filter does not reject nodes");
    assertEquals(0, skipper.filterCalls);
    assertEquals(0, skipper.scoreCalls);
    // The skip is per cycle: a plain runFilters on a fresh state still runs the filter.
    assertFalse(f.runFilters(new CycleState(), PodInfo.of(pod("q").build()), nodes.get(0))
        .isSuccess());
  }
}
