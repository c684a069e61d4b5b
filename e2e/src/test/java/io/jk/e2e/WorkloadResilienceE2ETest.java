package io.jk.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Deployment {@code roll} (3 busybox httpd replicas answering {@code <version> <pod name>}, which
 * take a second to start listening, as real servers do,
 * {@code maxSurge: 1, maxUnavailable: 0}, an httpGet readiness probe, a 4 s preStop sleep so that
 * endpoints go before the pod does, and 2 s tolerations of the unreachable/not-ready taints) on the
 * shared lab, which runs its control plane as three processes:
 *
 * <ol>
 *   <li>applied and rolled from v1 to v2 with {@code jkctl}, while a client in node 1's network
 *       namespace requests the Service's ClusterIP every 25 ms: no request fails, both versions
 *       answer;
 *   <li>rolled to v3 with {@code kubectl}, and in mid-rollout the API server, the scheduler, the
 *       controller-manager and node 2's kubelet are killed with SIGKILL and started again: the
 *       rollout completes with exactly 3 Running v3 pods, one ReplicaSet per template, and never more
 *       than replicas + maxSurge live pods;
 *   <li>a node with {@code roll} pods is cut off the lab bridge: within the grace period it turns
 *       Unknown and gets the unreachable taint, its pods are evicted and replaced on the other
 *       nodes; healed, it turns Ready again and the taint goes.
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(E2eLab.Extension.class)
@Order(2)
class WorkloadResilienceE2ETest {
  private static final int REPLICAS = 3;
  private static final int MAX_SURGE = 1;
  private static E2eLab e2e;
  /** Replacement pods seen bound to the partitioned node while it was lost (Kubernetes keeps them off). */
  private static final Set<String> STRAYS = new java.util.TreeSet<>();
  private static boolean partitioned;

  @BeforeAll
  static void lab() throws Exception {
    e2e = E2eLab.get();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertEquals(3,
        e2e.client.nodes().list().getItems().stream().filter(n -> "True".equals(E2eLab.readyStatus(n))).count(),
        "3 nodes Ready"));
  }

  @Test
  @Order(1)
  void aRollingUpdateUnderSteadyTrafficLosesNoRequest() throws Exception {
    Path v1 = Files.writeString(e2e.dir.resolve("roll-v1.yaml"), manifests("v1"));
    Path v2 = Files.writeString(e2e.dir.resolve("roll-v2.yaml"), manifests("v2"));
    assertTrue(e2e.jkctl.ok("apply", "-f", v1.toString()).contains("roll"), "jkctl apply creates the Deployment");
    String status = e2e.jkctl.ok("rollout", "status", "deployment/roll", "--timeout", "180s");
    assertTrue(status.contains("successfully rolled out"), status);
    String clusterIp = e2e.client.services().inNamespace("default").withName("roll").get().getSpec().getClusterIP();

    long t0 = System.nanoTime();
    try (ServiceTraffic traffic = ServiceTraffic.start(e2e.state.nodes.get(0).netns, "http://" + clusterIp + "/", 25,
        e2e.dir)) {
      // the Service answers steadily before the update starts
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        assertTrue(traffic.running(), "the traffic client runs");
        assertTrue(traffic.outcomes().stream().filter(o -> o.ok() && o.text().startsWith("v1 ")).count() >= 20,
            "20 answers from v1 before the update: " + tail(traffic.outcomes()));
      });
      List<ServiceTraffic.Outcome> before = traffic.outcomes();
      assertEquals(List.of(), before.stream().filter(o -> !o.ok()).toList(),
          "no failed request before the update (the Service was ready)");

      assertTrue(e2e.jkctl.ok("apply", "-f", v2.toString()).contains("roll"), "jkctl apply updates the template");
      status = e2e.jkctl.ok("rollout", "status", "deployment/roll", "--timeout", "180s");
      assertTrue(status.contains("successfully rolled out"), status);
      // the old pods' endpoints are gone once they are: only v2 answers
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        List<ServiceTraffic.Outcome> all = traffic.outcomes();
        List<ServiceTraffic.Outcome> last = all.subList(Math.max(0, all.size() - 20), all.size());
        assertTrue(last.size() == 20 && last.stream().allMatch(o -> o.ok() && o.text().startsWith("v2 ")),
            "the last 20 answers all from v2: " + last);
        assertTrue(e2e.livePods("app", "roll").size() == REPLICAS && allPodsGone("app=roll", "v1"),
            "the v1 pods are gone");
      });
      List<ServiceTraffic.Outcome> all = traffic.stop();
      long secs = (System.nanoTime() - t0) / 1_000_000_000;
      List<ServiceTraffic.Outcome> failed = all.stream().filter(o -> !o.ok()).toList();
      Set<String> versions = all.stream().filter(ServiceTraffic.Outcome::ok).map(o -> o.text().split(" ")[0])
          .collect(Collectors.toSet());
      long maxMs = all.stream().mapToLong(ServiceTraffic.Outcome::millis).max().orElse(0);
      System.out.printf("rolling update under traffic: %d requests in %d s, %d failed, versions %s, slowest %d ms%n",
          all.size(), secs, failed.size(), versions, maxMs);
      assertEquals(0, failed.size(), "no request failed during the rolling update (of " + all.size() + "); first: "
          + failed.subList(0, Math.min(5, failed.size())));
      assertEquals(Set.of("v1", "v2"), versions, "both versions answered");
      assertTrue(all.size() >= 100, "a steady stream of requests: " + all.size());
    }

    String wide = e2e.jkctl.ok("get", "pods", "-l", "app=roll", "-o", "wide");
    for (Pod p : e2e.livePods("app", "roll")) {
      assertTrue(wide.contains(p.getMetadata().getName()) && wide.contains(p.getSpec().getNodeName())
          && wide.contains(p.getStatus().getPodIP()), "jkctl get pods -o wide shows " + p.getMetadata().getName()
          + " with its node and IP: " + wide);
    }
  }

  @Test
  @Order(2)
  void killingEveryControlPlaneProcessAndAKubeletMidRolloutConvergesWithoutDuplicates() throws Exception {
    Deployment before = e2e.client.apps().deployments().inNamespace("default").withName("roll").get();
    assertTrue(before != null && before.getStatus().getUpdatedReplicas() != null, "the rolled out Deployment roll");
    String oldHash = templateHashOfLivePods();
    String node2 = e2e.state.nodes.get(1).name;

    e2e.kubectl.ok("set", "env", "deployment/roll", "VERSION=v3");
    // mid-rollout: the new ReplicaSet has made its first (surge) pod
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertTrue(
        e2e.livePods("app", "roll").stream().anyMatch(p -> !oldHash.equals(hash(p))), "a v3 pod exists"));

    long t0 = System.nanoTime();
    List<Long> killed = new ArrayList<>();
    for (String role : List.of("apiserver", "scheduler", "controller-manager")) {
      killed.add(e2e.lab.pid(role, null));
      e2e.lab.kill(role, null);
    }
    killed.add(e2e.lab.pid("kubelet", node2));
    e2e.lab.kill("kubelet", node2);
    for (long pid : killed) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " is dead");
    }
    for (String role : List.of("apiserver", "scheduler", "controller-manager")) {
      e2e.lab.start(role, null);
    }
    e2e.lab.start("kubelet", node2);
    System.out.printf("killed (SIGKILL) and restarted apiserver, scheduler, controller-manager, %s kubelet in %d ms%n",
        node2, (System.nanoTime() - t0) / 1_000_000);

    // converges: 3 v3 pods Running and Ready, old ones gone; live pods never above replicas + maxSurge meanwhile
    AtomicInteger mostLive = new AtomicInteger();
    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
      List<Pod> live = e2e.livePods("app", "roll");
      mostLive.accumulateAndGet(live.size(), Math::max);
      Deployment d = e2e.client.apps().deployments().inNamespace("default").withName("roll").get();
      assertTrue(d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration()
          && eq(d.getStatus().getUpdatedReplicas(), REPLICAS) && eq(d.getStatus().getReplicas(), REPLICAS)
          && eq(d.getStatus().getReadyReplicas(), REPLICAS) && eq(d.getStatus().getAvailableReplicas(), REPLICAS),
          "Deployment status converged: " + d.getStatus());
      assertEquals(REPLICAS, live.size(), "exactly " + REPLICAS + " live pods: " + names(live));
      assertTrue(live.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase()) && E2eLab.ready(p)
          && "v3".equals(p.getSpec().getContainers().get(0).getEnv().get(0).getValue())), "all Running, Ready, v3");
      assertTrue(allPodsGone("app=roll", "v1") && allPodsGone("app=roll", "v2"), "no old pod left");
    });
    System.out.printf("rollout converged %d ms after the kills; most live pods seen %d%n",
        (System.nanoTime() - t0) / 1_000_000, mostLive.get());
    assertTrue(mostLive.get() <= REPLICAS + MAX_SURGE, "live pods never above replicas + maxSurge: " + mostLive.get());

    List<ReplicaSet> sets = e2e.client.apps().replicaSets().inNamespace("default").withLabel("app", "roll").list().getItems();
    Map<String, Long> perHash = sets.stream().collect(Collectors.groupingBy(
        rs -> rs.getMetadata().getLabels().get("pod-template-hash"), Collectors.counting()));
    assertTrue(perHash.values().stream().allMatch(c -> c == 1), "one ReplicaSet per template: " + perHash);
    assertEquals(3, perHash.size(), "one ReplicaSet per version v1, v2, v3: " + perHash);
    assertEquals(1, sets.stream().filter(rs -> rs.getSpec().getReplicas() > 0).count(), "only the v3 ReplicaSet scaled up");
    Set<String> podNames = e2e.livePods("app", "roll").stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    assertEquals(REPLICAS, podNames.size(), "no pod name twice");
    String status = e2e.jkctl.ok("rollout", "status", "deployment/roll", "--timeout", "60s");
    assertTrue(status.contains("successfully rolled out"), status);
  }

  @Test
  @Order(3)
  void aPartitionedNodeIsMarkedLostItsPodsReplacedAndItReturnsWhenHealed() throws Exception {
    // a node that runs roll pods, and is not the first (whose namespace the traffic client used)
    String lost = e2e.livePods("app", "roll").stream().map(p -> p.getSpec().getNodeName())
        .filter(n -> !n.equals(e2e.state.nodes.get(0).name)).findFirst()
        .orElse(e2e.livePods("app", "roll").get(0).getSpec().getNodeName());
    Set<String> onLost = e2e.livePods("app", "roll").stream().filter(p -> lost.equals(p.getSpec().getNodeName()))
        .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    long t0 = System.nanoTime();
    e2e.lab.partition(lost, true);
    try {
      await().atMost(E2eLab.NODE_GRACE.plusSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Node n = e2e.client.nodes().withName(lost).get();
        assertEquals("Unknown", E2eLab.readyStatus(n), "node " + lost + " Ready=Unknown");
        assertTrue(hasUnreachableTaint(n), "node " + lost + " has the unreachable:NoExecute taint: " + n.getSpec().getTaints());
      });
      long lostMs = (System.nanoTime() - t0) / 1_000_000;
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        recordStrays(lost, onLost);
        List<Pod> ready = e2e.readyPods("app", "roll");
        assertEquals(REPLICAS, ready.size(), "3 roll pods Ready: " + names(ready));
        assertTrue(ready.stream().noneMatch(p -> lost.equals(p.getSpec().getNodeName())),
            "none on the lost node " + lost + ": " + names(ready));
        assertTrue(ready.stream().noneMatch(p -> onLost.contains(p.getMetadata().getName())), "the lost node's pods evicted");
      });
      System.out.printf("partition of %s: Unknown and tainted after %d ms (grace %d s), %d pods replaced after %d ms%n",
          lost, lostMs, E2eLab.NODE_GRACE.toSeconds(), onLost.size(), (System.nanoTime() - t0) / 1_000_000);
      // the grace period runs from the last heartbeat seen, and the kubelets renew their Lease every 10 s
      assertTrue(lostMs >= E2eLab.NODE_GRACE.minusSeconds(11).toMillis(),
          "not marked lost before grace period minus one renewal interval: " + lostMs + " ms");
      recordStrays(lost, onLost);
      partitioned = true;
    } finally {
      e2e.lab.partition(lost, false);
    }
    long t1 = System.nanoTime();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Node n = e2e.client.nodes().withName(lost).get();
      assertEquals("True", E2eLab.readyStatus(n), "node " + lost + " Ready again");
      assertFalse(hasUnreachableTaint(n), "the unreachable taint is gone: " + n.getSpec().getTaints());
    });
    // the healed kubelet finishes the evicted pods' termination
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertTrue(
        e2e.client.pods().inNamespace("default").withLabel("app", "roll").list().getItems().stream()
            .noneMatch(p -> onLost.contains(p.getMetadata().getName())), "the evicted pods are gone"));
    System.out.printf("healed %s: Ready, untainted and evicted pods removed after %d ms%n", lost,
        (System.nanoTime() - t1) / 1_000_000);
    assertEquals(REPLICAS, e2e.readyPods("app", "roll").size(), "still 3 roll pods Ready");
  }

  /**
   * The node lifecycle controller also taints a lost node {@code unreachable:NoSchedule} (not
   * rate-limited, as Kubernetes' TaintNodesByCondition), so replacements that tolerate the NoExecute
   * taint for a while are still not scheduled there.
   */
  @Test
  @Order(4)
  void noReplacementWasScheduledOntoTheLostNode() {
    org.junit.jupiter.api.Assumptions.assumeTrue(partitioned, "the partition test did not get that far");
    assertEquals(Set.of(), STRAYS, "replacement pods bound to the lost node");
  }

  private static void recordStrays(String lost, Set<String> onLost) {
    e2e.client.pods().inNamespace("default").withLabel("app", "roll").list().getItems().stream()
        .filter(p -> lost.equals(p.getSpec().getNodeName()) && !onLost.contains(p.getMetadata().getName()))
        .forEach(p -> STRAYS.add(p.getMetadata().getName()));
  }

  private static boolean hasUnreachableTaint(Node n) {
    return n.getSpec().getTaints() != null && n.getSpec().getTaints().stream().anyMatch(
        t -> "node.kubernetes.io/unreachable".equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
  }

  private static boolean eq(Integer v, int want) {
    return v != null && v == want;
  }

  private static String hash(Pod p) {
    return p.getMetadata().getLabels().get("pod-template-hash");
  }

  private static String templateHashOfLivePods() {
    Set<String> hashes = e2e.livePods("app", "roll").stream().map(WorkloadResilienceE2ETest::hash).collect(Collectors.toSet());
    assertEquals(1, hashes.size(), "one template among the live pods: " + hashes);
    return hashes.iterator().next();
  }

  /** True when no pod (live or terminating) with {@code selector} runs {@code version}. */
  private static boolean allPodsGone(String selector, String version) {
    String[] kv = selector.split("=");
    return e2e.client.pods().inNamespace("default").withLabel(kv[0], kv[1]).list().getItems().stream()
        .noneMatch(p -> version.equals(p.getSpec().getContainers().get(0).getEnv().get(0).getValue()));
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName() + "@" + p.getSpec().getNodeName()
        + (p.getMetadata().getDeletionTimestamp() != null ? "(terminating)" : "")).toList();
  }

  private static String tail(List<ServiceTraffic.Outcome> all) {
    return all.subList(Math.max(0, all.size() - 5), all.size()).toString();
  }

  /** The Deployment under test (template {@code version}) and its ClusterIP Service. */
  private static String manifests(String version) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: roll, namespace: default}
        spec:
          replicas: 3
          selector: {matchLabels: {app: roll}}
          strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
          template:
            metadata: {labels: {app: roll}}
            spec:
              terminationGracePeriodSeconds: 10
              tolerations:
              - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
              containers:
              - name: httpd
                image: IMAGE
                imagePullPolicy: Never
                env: [{name: VERSION, value: "@VER@"}]
                command: ["sh", "-c", "echo \\"$VERSION $(hostname)\\" > /www/index.html && sleep 1 && exec httpd -f -p 8080 -h /www"]
                readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
                lifecycle: {preStop: {exec: {command: ["sleep", "4"]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: roll, namespace: default}
        spec:
          selector: {app: roll}
          ports: [{port: 80, targetPort: 8080, protocol: TCP}]
        """.replace("IMAGE", E2eLab.IMAGE).replace("@VER@", version);
  }
}
