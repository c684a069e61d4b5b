package io.jk.scheduler;

import static io.jk.scheduler.PodBuilders.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.scheduler.hollow.HollowNodeSpec;
import io.jk.scheduler.hollow.HollowNodes;
import io.jk.testing.TestApiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real scheduler against an in-process API server with hollow nodes: what a user sees in
 * pod objects (nodeName, phase, PodScheduled condition, events).
 */
class SchedulerIntegrationTest {
  private TestApiServer api;
  private KubernetesClient client;
  private Vertx vertx;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startApi() {
    api = TestApiServer.start();
    client = api.client();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    api.close();
  }

  private HollowNodes nodes(int count, HollowNodeSpec spec) {
    HollowNodes h = HollowNodes.start(client, count, spec.withDeleteOnClose(false));
    closeables.add(h);
    return h;
  }

  private Scheduler scheduler(SchedulerConfig config) throws Exception {
    Scheduler s = new Scheduler(vertx, api.client(), config, new SimpleMeterRegistry());
    s.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    closeables.add(() -> s.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return s;
  }

  private Pod create(Pod p) {
    p.getMetadata().setUid(null);
    return client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  private Pod get(String name) {
    return client.pods().inNamespace("default").withName(name).get();
  }

  private String nodeOf(String name) {
    Pod p = get(name);
    return p == null ? null : p.getSpec().getNodeName();
  }

  private void awaitBound(String... names) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      for (String n : names) {
        if (nodeOf(n) == null) {
          return false;
        }
      }
      return true;
    });
  }

  private PodCondition awaitUnschedulable(String name) {
    await().atMost(Duration.ofSeconds(20)).until(() -> scheduledCondition(get(name)) != null);
    return scheduledCondition(get(name));
  }

  private static PodCondition scheduledCondition(Pod p) {
    if (p == null || p.getStatus() == null || p.getStatus().getConditions() == null) {
      return null;
    }
    return p.getStatus().getConditions().stream()
        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
        .findFirst().orElse(null);
  }

  private static HollowNodeSpec small() {
    return HollowNodeSpec.defaults().withCapacity("1", "2Gi", "110");
  }

  @Test
  void podsThatFitAreBoundAndRunWhileTheRestSayInsufficientCpu() throws Exception {
    nodes(2, small());
    scheduler(SchedulerConfig.defaults());
    create(pod("a").cpu("600m").build());
    create(pod("b").cpu("600m").build());
    awaitBound("a", "b");
    assertNotEquals(nodeOf("a"), nodeOf("b"), "each node has room for one such pod only");
    create(pod("c").cpu("600m").build());
    PodCondition cond = awaitUnschedulable("c");
    assertEquals("Unschedulable", cond.getReason());
    assertEquals("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        + "2 No preemption victims found for incoming pod.", cond.getMessage());
    await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace("default")
        .list().getItems().stream().anyMatch(e -> "FailedScheduling".equals(e.getReason())
            && "c".equals(e.getInvolvedObject().getName())));
    await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(get("a").getStatus().getPhase()));
    assertNull(nodeOf("c"));
    String aNode = nodeOf("a");
    await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace("default")
        .list().getItems().stream().anyMatch(e -> "Scheduled".equals(e.getReason())
            && ("Successfully assigned default/a to " + aNode).equals(e.getMessage())));
  }

  @Test
  void memoryAndPodCountLimitsAreHonoured() throws Exception {
    nodes(1, HollowNodeSpec.defaults().withCapacity("8", "1Gi", "2"));
    scheduler(SchedulerConfig.defaults());
    create(pod("big").memory("2Gi").build());
    create(pod("p1").build());
    create(pod("p2").build());
    awaitBound("p1", "p2");
    assertTrue(awaitUnschedulable("big").getMessage().startsWith(
        "0/1 nodes are available: 1 Insufficient memory."));
    create(pod("p3").build());
    assertTrue(awaitUnschedulable("p3").getMessage().startsWith(
        "0/1 nodes are available: 1 Too many pods."), scheduledCondition(get("p3")).getMessage());
  }

  @Test
  void anUnschedulablePodIsScheduledWhenANodeIsAdded() throws Exception {
    scheduler(SchedulerConfig.defaults());
    create(pod("waiting").cpu("2").build());
    assertEquals("0/0 nodes are available: no nodes available to schedule pods.",
        awaitUnschedulable("waiting").getMessage());
    nodes(1, HollowNodeSpec.defaults().withNamePrefix("late"));
    awaitBound("waiting");
    assertEquals("late-0", nodeOf("waiting"));
  }

  @Test
  void taintsKeepPodsAwayUnlessTolerated() throws Exception {
    nodes(1, small());
    var n = client.nodes().withName("hollow-node-0").get();
    n.getSpec().setTaints(List.of(new TaintBuilder().withKey("dedicated").withValue("gpu")
        .withEffect("NoSchedule").build()));
    client.nodes().resource(n).update();
    scheduler(SchedulerConfig.defaults());
    create(pod("plain").build());
    create(pod("tolerant").tolerate("dedicated", "gpu", "NoSchedule").build());
    awaitBound("tolerant");
    assertEquals("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. "
        + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        awaitUnschedulable("plain").getMessage());
  }

  @Test
  void nodeSelectorAndRequiredAffinityChooseTheZone() throws Exception {
    nodes(6, HollowNodeSpec.defaults());
    scheduler(SchedulerConfig.defaults());
    for (int i = 0; i < 5; i++) {
      create(pod("sel-" + i).nodeSelector("topology.kubernetes.io/zone", "zone-1").build());
      create(pod("aff-" + i).requireNodeLabelIn("topology.kubernetes.io/zone", "zone-2").build());
    }
    for (int i = 0; i < 5; i++) {
      awaitBound("sel-" + i, "aff-" + i);
      assertTrue(Set.of("hollow-node-1", "hollow-node-4").contains(nodeOf("sel-" + i)));
      assertTrue(Set.of("hollow-node-2", "hollow-node-5").contains(nodeOf("aff-" + i)));
    }
    create(pod("nowhere").nodeSelector("topology.kubernetes.io/zone", "zone-9").build());
    assertTrue(awaitUnschedulable("nowhere").getMessage()
        .startsWith("0/6 nodes are available: 6 node(s) didn't match Pod's node affinity/selector."));
  }

  @Test
  void topologySpreadPutsTwoPodsInEachOfThreeZones() throws Exception {
    nodes(6, HollowNodeSpec.defaults());
    scheduler(SchedulerConfig.defaults());
    for (int i = 0; i < 6; i++) {
      create(pod("s-" + i).label("app", "web")
          .spread(1, "topology.kubernetes.io/zone", "DoNotSchedule", "web").build());
      awaitBound("s-" + i);
    }
    Map<String, Integer> perZone = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      String node = nodeOf("s-" + i);
      int idx = Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
      perZone.merge("zone-" + (idx % 3), 1, Integer::sum);
    }
    assertEquals(Map.of("zone-0", 2, "zone-1", 2, "zone-2", 2), perZone);
  }

  @Test
  void podAntiAffinityPutsOnePodPerNodeAndLeavesTheFourthPending() throws Exception {
    nodes(3, HollowNodeSpec.defaults());
    scheduler(SchedulerConfig.defaults());
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      create(pod("x-" + i).label("app", "db").antiAffinity("kubernetes.io/hostname", "db").build());
      awaitBound("x-" + i);
      used.add(nodeOf("x-" + i));
    }
    assertEquals(3, used.size());
    create(pod("x-3").label("app", "db").antiAffinity("kubernetes.io/hostname", "db").build());
    assertTrue(awaitUnschedulable("x-3").getMessage().startsWith(
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."));
  }

  @Test
  void aHighPriorityPodPreemptsALowPriorityOne() throws Exception {
    client.scheduling().v1().priorityClasses().resource(new PriorityClassBuilder()
        .withNewMetadata().withName("high").endMetadata().withValue(1000).build()).create();
    nodes(1, small());
    scheduler(SchedulerConfig.defaults());
    create(pod("low").cpu("800m").build());
    awaitBound("low");
    await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(get("low").getStatus().getPhase()));
    create(pod("high").cpu("800m").priorityClass("high").build());
    // The victim is deleted gracefully; the hollow node finishes the deletion; high gets the room.
    await().atMost(Duration.ofSeconds(30)).until(() -> get("low") == null);
    awaitBound("high");
    assertEquals("hollow-node-0", nodeOf("high"));
  }

  @Test
  void preemptionEvictsThePodNoDisruptionBudgetProtectsEvenIfItsPriorityIsHigher()
      throws Exception {
    for (var pc : Map.of("db-low", 10, "web-mid", 20, "high", 1000).entrySet()) {
      client.scheduling().v1().priorityClasses().resource(new PriorityClassBuilder()
          .withNewMetadata().withName(pc.getKey()).endMetadata().withValue(pc.getValue()).build())
          .create();
    }
    var pdb = client.policy().v1().podDisruptionBudget().inNamespace("default").resource(
        new PodDisruptionBudgetBuilder().withNewMetadata().withName("db").endMetadata()
            .withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector()
            .addToMatchLabels("app", "db").endSelector().endSpec().build()).create();
    // No disruption controller runs here: set the status it would compute for one healthy pod.
    pdb.setStatus(new PodDisruptionBudgetStatusBuilder().withCurrentHealthy(1)
        .withDesiredHealthy(1).withExpectedPods(1).withDisruptionsAllowed(0).build());
    client.policy().v1().podDisruptionBudget().inNamespace("default").resource(pdb).updateStatus();
    nodes(2, small());
    scheduler(SchedulerConfig.defaults());
    create(pod("db-0").label("app", "db").cpu("800m").priorityClass("db-low").build());
    create(pod("web-0").label("app", "web").cpu("800m").priorityClass("web-mid").build());
    awaitBound("db-0", "web-0");
    String webNode = nodeOf("web-0");
    create(pod("high").cpu("800m").priorityClass("high").build());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("web-0") == null);
    awaitBound("high");
    assertEquals(webNode, nodeOf("high"), "high takes the evicted pod's node");
    assertNotEquals(null, get("db-0"), "the PDB-protected lower-priority pod stays");
    assertNull(get("db-0").getMetadata().getDeletionTimestamp(), "and is not being deleted");
  }

  @Test
  void withLeaderElectionOnlyOneSchedulesAndTheOtherTakesOverWithinTheLease() throws Exception {
    nodes(2, HollowNodeSpec.defaults());
    SchedulerConfig cfg = SchedulerConfig.defaults().withLeaderElect(true)
        .withLease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500));
    Scheduler one = scheduler(cfg);
    Scheduler two = scheduler(cfg);
    await().atMost(Duration.ofSeconds(10)).until(() -> one.isActive() || two.isActive());
    assertTrue(one.isActive() ^ two.isActive(), "exactly one scheduler is active");
    create(pod("before").build());
    awaitBound("before");
    Scheduler leader = one.isActive() ? one : two;
    Scheduler follower = leader == one ? two : one;
    long t0 = System.nanoTime();
    leader.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(3)).until(follower::isActive);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(tookMs <= 3000, "handover took " + tookMs + " ms");
    create(pod("after").build());
    awaitBound("after");
  }

  @Test
  void whenTheLeaderDiesWithoutReleasingTheLeaseTheOtherTakesOverAfterItExpires() throws Exception {
    nodes(1, HollowNodeSpec.defaults());
    SchedulerConfig cfg = SchedulerConfig.defaults().withLeaderElect(true)
        .withLease(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500));
    KubernetesClient doomedClient = api.client();
    Scheduler doomed = new Scheduler(vertx, doomedClient, cfg, new SimpleMeterRegistry());
    doomed.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(doomed::isActive);
    Scheduler survivor = scheduler(cfg);
    assertTrue(!survivor.isActive(), "the second scheduler waits while the first holds the Lease");
    long t0 = System.nanoTime();
    doomedClient.close(); // the leader loses the API server as a killed process would: no release
    await().atMost(Duration.ofSeconds(6)).until(survivor::isActive);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(tookMs <= 3000 + 1500, "handover took " + tookMs + " ms, lease is 3000 ms");
    create(pod("after-crash").build());
    awaitBound("after-crash");
    doomed.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aPodWithSchedulingGatesWaitsUntilTheGatesAreRemoved() throws Exception {
    nodes(1, HollowNodeSpec.defaults());
    scheduler(SchedulerConfig.defaults());
    Pod gated = pod("gated").build();
    gated.getSpec().setSchedulingGates(List.of(new io.fabric8.kubernetes.api.model.PodSchedulingGate("example.com/wait")));
    create(gated);
    create(pod("free").build());
    awaitBound("free");
    assertNull(nodeOf("gated"), "a gated pod is not scheduled");
    Pod current = get("gated");
    current.getSpec().setSchedulingGates(List.of());
    client.pods().inNamespace("default").resource(current).update();
    awaitBound("gated");
  }
}
