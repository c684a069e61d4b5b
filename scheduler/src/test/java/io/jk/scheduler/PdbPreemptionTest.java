package io.jk.scheduler;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;
import static io.jk.scheduler.plugins.Fixtures.nodeInfo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of preemption honouring PodDisruptionBudgets, as Kubernetes'
 * selectVictimsOnNode and pickOneNodeForPreemption: (name, cluster, PDBs, wanted node, wanted
 * victims, wanted PDB violations). The preemptor asks for 1 cpu at priority 100; nodes have 2.
 */
class PdbPreemptionTest {
  private final Framework fw = Plugins.framework(SchedulerConfig.defaults(), null);

  static Pod low(String name, String app, String cpu, int priority) {
    return pod(name).label("app", app).cpu(cpu).priority(priority).build();
  }

  static NodeInfo nodeWith(String name, Pod... pods) {
    return nodeInfo(node(name).capacity("2", "4Gi", "110").build(), pods);
  }

  static PodDisruptionBudget pdb(String ns, String app, int allowed, String... disrupted) {
    var b = new PodDisruptionBudgetBuilder().withNewMetadata().withName("pdb-" + app)
        .withNamespace(ns).endMetadata().withNewSpec().withNewSelector()
        .addToMatchLabels("app", app).endSelector().endSpec().withNewStatus()
        .withDisruptionsAllowed(allowed).endStatus();
    for (String d : disrupted) {
      b.editStatus().addToDisruptedPods(d, "2026-01-01T00:00:00Z").endStatus();
    }
    return b.build();
  }

  /** a runs a db pod at priority 10, b a web pod at priority 20; each fills its node. */
  static List<NodeInfo> twoNodes() {
    return List.of(nodeWith("a", low("a-db", "db", "2", 10)),
        nodeWith("b", low("b-web", "web", "2", 20)));
  }

  /** One node running web then db, 1 cpu each, equal priority. */
  static List<NodeInfo> sharedNode() {
    return List.of(nodeWith("a", low("web-1", "web", "1", 10), low("db-1", "db", "1", 10)));
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("without PDBs the node with the lowest-priority victim wins", twoNodes(),
            List.of(), "a", List.of("a-db"), 0),
        Arguments.of("a PDB allowing no disruption moves preemption to the other node",
            twoNodes(), List.of(pdb("default", "db", 0)), "b", List.of("b-web"), 0),
        Arguments.of("a PDB allowing one disruption changes nothing", twoNodes(),
            List.of(pdb("default", "db", 1)), "a", List.of("a-db"), 0),
        Arguments.of("a PDB in another namespace does not protect the pod", twoNodes(),
            List.of(pdb("other", "db", 0)), "a", List.of("a-db"), 0),
        Arguments.of("a pod the PDB already counts as disrupted uses no budget", twoNodes(),
            List.of(pdb("default", "db", 0, "a-db")), "a", List.of("a-db"), 0),
        Arguments.of("when every node violates a PDB the fewest violations win", twoNodes(),
            List.of(pdb("default", "db", 0), pdb("default", "web", 0)), "a", List.of("a-db"), 1),
        Arguments.of("without PDBs the later equal-priority pod is the victim", sharedNode(),
            List.of(), "a", List.of("db-1"), 0),
        Arguments.of("on one node the PDB-protected pod is reprieved first", sharedNode(),
            List.of(pdb("default", "db", 0)), "a", List.of("web-1"), 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void preemption(String name, List<NodeInfo> nodes, List<PodDisruptionBudget> pdbs,
      String wantNode, List<String> wantVictims, int wantViolations) {
    PodInfo preemptor = PodInfo.of(pod("hi").cpu("1").priority(100).build());
    CycleState state = new CycleState();
    var r = fw.schedule(state, preemptor, new Snapshot(nodes));
    var out = Preemption.find(fw, state, preemptor, new Snapshot(nodes),
        r.diagnosis().nodeStatuses(), pdbs);
    assertEquals(wantNode, out.candidate().nodeName());
    assertEquals(wantVictims, out.candidate().victims().stream().map(PodInfo::name).toList());
    assertEquals(wantViolations, out.candidate().pdbViolations());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("splitRows")
  void split(String name, List<PodDisruptionBudget> pdbs, List<String> wantViolating) {
    List<PodInfo> pods = List.of(PodInfo.of(low("db-1", "db", "1", 1)),
        PodInfo.of(low("db-2", "db", "1", 1)), PodInfo.of(low("web-1", "web", "1", 1)));
    var violating = new java.util.ArrayList<PodInfo>();
    var rest = new java.util.ArrayList<PodInfo>();
    Preemption.splitByPdbViolation(pods, pdbs, violating, rest);
    assertEquals(wantViolating, violating.stream().map(PodInfo::name).toList());
  }

  static Stream<Arguments> splitRows() {
    PodDisruptionBudget empty = new PodDisruptionBudgetBuilder().withNewMetadata()
        .withName("all").withNamespace("default").endMetadata().withNewSpec().withNewSelector()
        .endSelector().endSpec().withNewStatus().withDisruptionsAllowed(0).endStatus().build();
    return Stream.of(
        Arguments.of("one allowed disruption: the second matching pod violates",
            List.of(pdb("default", "db", 1)), List.of("db-2")),
        Arguments.of("no allowed disruption: every matching pod violates",
            List.of(pdb("default", "db", 0)), List.of("db-1", "db-2")),
        Arguments.of("a PDB with an empty selector protects nothing", List.of(empty), List.of()),
        Arguments.of("no PDBs: nothing violates", List.of(), List.of()));
  }

}
