package io.jk.controllers.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.jk.controllers.Kubectl;
import io.jk.controllers.TestClusterAccess;
import io.jk.controllers.pods.Pods;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentControllerTest {

  static TestClusterAccess cluster;
  static KubernetesClient client;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void start() {
    cluster = TestClusterAccess.start(List.of("replicaset", "deployment"));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Deployment deployment(String name, int replicas, Consumer<DeploymentBuilder> customize) {
    DeploymentBuilder b = new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
        .endTemplate().endSpec();
    customize.accept(b);
    return b.build();
  }

  static Deployment get(String name) {
    return client.apps().deployments().inNamespace("default").withName(name).get();
  }

  /** What `kubectl rollout status` checks. */
  static boolean rolledOut(String name) {
    Deployment d = get(name);
    if (d == null || d.getStatus() == null || d.getStatus().getObservedGeneration() == null) {
      return false;
    }
    var s = d.getStatus();
    int replicas = d.getSpec().getReplicas();
    return d.getMetadata().getGeneration() <= s.getObservedGeneration()
        && nz(s.getUpdatedReplicas()) >= replicas
        && nz(s.getReplicas()) <= nz(s.getUpdatedReplicas())
        && nz(s.getAvailableReplicas()) >= nz(s.getUpdatedReplicas());
  }

  static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  static List<ReplicaSet> replicaSets(String app) {
    return client.apps().replicaSets().inNamespace("default").withLabel("app", app).list().getItems();
  }

  /** The condition of {@code type}, null while the Deployment has no such condition (or no status yet). */
  static DeploymentCondition condition(Deployment d, String type) {
    if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
      return null;
    }
    return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** Watches an app's pods and records the most alive and the fewest ready at any event. */
  static final class PodCounter implements Watcher<Pod>, AutoCloseable {
    final Map<String, Pod> live = new ConcurrentHashMap<>();
    final AtomicInteger maxAlive = new AtomicInteger();
    final AtomicInteger minReady = new AtomicInteger(Integer.MAX_VALUE);
    final Map<String, Boolean> imagesSeenTogether = new ConcurrentHashMap<>();
    final Watch watch;

    PodCounter(String app) {
      for (Pod p : client.pods().inNamespace("default").withLabel("app", app).list().getItems()) {
        live.put(p.getMetadata().getName(), p);
      }
      watch = client.pods().inNamespace("default").withLabel("app", app).watch(this);
    }

    @Override
    public synchronized void eventReceived(Action action, Pod pod) {
      if (action == Action.DELETED || pod.getMetadata().getDeletionTimestamp() != null) {
        live.remove(pod.getMetadata().getName());
      } else {
        live.put(pod.getMetadata().getName(), pod);
      }
      maxAlive.accumulateAndGet(live.size(), Math::max);
      minReady.accumulateAndGet((int) live.values().stream().filter(Pods::isReady).count(), Math::min);
      long images = live.values().stream().map(p -> p.getSpec().getContainers().get(0).getImage()).distinct().count();
      if (images > 1) {
        imagesSeenTogether.put("yes", true);
      }
    }

    @Override
    public void onClose(WatcherException cause) {}

    @Override
    public void close() {
      watch.close();
    }
  }

  @Test
  void rollingUpdateHonoursMaxSurgeAndMaxUnavailableAndKubectlRolloutWorks() {
    client.apps().deployments().inNamespace("default").resource(deployment("roll", 4, b -> b.editSpec()
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
        .withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endStrategy()
        .endSpec())).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("roll"));
    Deployment d = get("roll");
    assertEquals("1", d.getMetadata().getAnnotations().get(DeploymentController.REVISION));
    assertEquals("NewReplicaSetAvailable", condition(d, "Progressing").getReason());
    assertEquals("True", condition(d, "Available").getStatus());

    try (PodCounter counter = new PodCounter("roll")) {
      client.apps().deployments().inNamespace("default").withName("roll")
          .edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
              .endContainer().endSpec().endTemplate().endSpec().build());
      Kubectl.Result status = cluster.kubectl(cacheDir, "rollout", "status", "deployment/roll", "--timeout=60s");
      assertEquals(0, status.exitCode(), status.output());
      assertTrue(status.output().contains("successfully rolled out"), status.output());
      assertTrue(counter.maxAlive.get() <= 5, "at most replicas + maxSurge pods, saw " + counter.maxAlive.get());
      assertTrue(counter.minReady.get() >= 3, "at least replicas - maxUnavailable ready, saw " + counter.minReady.get());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> rolledOut("roll"));
    assertEquals("2", get("roll").getMetadata().getAnnotations().get(DeploymentController.REVISION));
    assertEquals(2, replicaSets("roll").size());

    // kubectl rollout undo: the first ReplicaSet is reused and its revision raised to 3.
    Kubectl.Result undo = cluster.kubectl(cacheDir, "rollout", "undo", "deployment/roll");
    assertEquals(0, undo.exitCode(), undo.output());
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("roll")
        && "busybox:1".equals(get("roll").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      List<ReplicaSet> rss = replicaSets("roll");
      assertEquals(2, rss.size(), () -> "undo reuses the old ReplicaSet: " + rss.stream().map(r -> r.getMetadata().getName() + "=" + io.jk.common.json.Json.mapper().valueToTree(r.getSpec().getTemplate())).toList() + " deployment=" + io.jk.common.json.Json.mapper().valueToTree(get("roll").getSpec().getTemplate()));
      ReplicaSet active = rss.stream().filter(r -> r.getSpec().getReplicas() == 4).findFirst().orElseThrow();
      assertEquals("busybox:1", active.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
      assertEquals("3", active.getMetadata().getAnnotations().get(DeploymentController.REVISION));
      assertEquals("3", get("roll").getMetadata().getAnnotations().get(DeploymentController.REVISION));
    });
    Kubectl.Result history = cluster.kubectl(cacheDir, "rollout", "history", "deployment/roll");
    assertEquals(0, history.exitCode(), history.output());
    assertTrue(history.output().contains("2 ") && history.output().contains("3 "), history.output());

    // kubectl rollout restart: a new ReplicaSet from the annotated template.
    Kubectl.Result restart = cluster.kubectl(cacheDir, "rollout", "restart", "deployment/roll");
    assertEquals(0, restart.exitCode(), restart.output());
    Kubectl.Result status = cluster.kubectl(cacheDir, "rollout", "status", "deployment/roll", "--timeout=60s");
    assertEquals(0, status.exitCode(), status.output());
    assertEquals(3, replicaSets("roll").size());
    assertEquals("4", get("roll").getMetadata().getAnnotations().get(DeploymentController.REVISION));
  }

  @Test
  void recreateStopsOldPodsBeforeStartingNewOnes() {
    client.apps().deployments().inNamespace("default").resource(deployment("rec", 3, b -> b.editSpec()
        .withNewStrategy().withType("Recreate").endStrategy().endSpec())).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("rec"));
    try (PodCounter counter = new PodCounter("rec")) {
      client.apps().deployments().inNamespace("default").withName("rec")
          .edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
              .endContainer().endSpec().endTemplate().endSpec().build());
      await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("rec") && "2".equals(get("rec").getMetadata().getAnnotations().get(DeploymentController.REVISION)));
      assertTrue(counter.imagesSeenTogether.isEmpty(), "old and new pods never ran together");
      assertTrue(counter.maxAlive.get() <= 3);
    }
  }

  @Test
  void progressDeadlineExceededFailsRolloutStatus() {
    client.apps().deployments().inNamespace("default").resource(deployment("stuck", 2, b -> b.editSpec()
        .withProgressDeadlineSeconds(2)
        .editTemplate().editMetadata().addToAnnotations(TestClusterAccess.NEVER_READY, "true").endMetadata().endTemplate()
        .endSpec())).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      DeploymentCondition c = condition(get("stuck"), "Progressing");
      org.junit.jupiter.api.Assertions.assertNotNull(c, "no Progressing condition yet");
      assertEquals("False", c.getStatus());
      assertEquals("ProgressDeadlineExceeded", c.getReason());
    });
    Kubectl.Result status = cluster.kubectl(cacheDir, "rollout", "status", "deployment/stuck", "--timeout=30s");
    assertNotEquals(0, status.exitCode(), status.output());
    assertTrue(status.output().contains("exceeded its progress deadline"), status.output());
  }

  @Test
  void pausedDeploymentIsNotRolledUntilResumed() {
    client.apps().deployments().inNamespace("default").resource(deployment("paused", 2, b -> {})).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("paused"));
    assertEquals(0, cluster.kubectl(cacheDir, "rollout", "pause", "deployment/paused").exitCode());
    client.apps().deployments().inNamespace("default").withName("paused")
        .edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
            .endContainer().endSpec().endTemplate().endSpec().build());
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      DeploymentCondition c = condition(get("paused"), "Progressing");
      return c != null && "DeploymentPaused".equals(c.getReason());
    });
    assertEquals(1, replicaSets("paused").size(), "no new ReplicaSet while paused");
    assertEquals(0, cluster.kubectl(cacheDir, "rollout", "resume", "deployment/paused").exitCode());
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("paused") && replicaSets("paused").size() == 2);
  }

  @Test
  void resizingMidRolloutScalesReplicaSetsInProportion() {
    client.apps().deployments().inNamespace("default").resource(deployment("prop", 10, b -> b.editSpec()
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(new IntOrString(3))
        .withMaxUnavailable(new IntOrString(0)).endRollingUpdate().endStrategy().endSpec())).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut("prop"));
    // A new template whose pods never turn ready: the rollout stops at old 10 + new 3 (surge).
    client.apps().deployments().inNamespace("default").withName("prop")
        .edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editMetadata().addToAnnotations(TestClusterAccess.NEVER_READY, "true")
            .endMetadata().editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().endTemplate().endSpec().build());
    await().atMost(Duration.ofSeconds(30)).until(() -> sizes("prop").equals(List.of(3, 10)));
    // Up to 20: +10 spread as old +8, new +2 (not all to the new ReplicaSet).
    client.apps().deployments().inNamespace("default").withName("prop").scale(20);
    await().atMost(Duration.ofSeconds(30)).until(() -> sizes("prop").equals(List.of(5, 18)));
    // Down to 5: proportionally old 6 and new 2 (8 = 5 + surge), then the rollout goes on as far as
    // maxUnavailable 0 lets it: old 5 (all available), new 3. Without proportional scaling the
    // new ReplicaSet would keep 5.
    client.apps().deployments().inNamespace("default").withName("prop").scale(5);
    await().atMost(Duration.ofSeconds(30)).until(() -> sizes("prop").equals(List.of(3, 5)));
  }

  /** spec.replicas of the app's ReplicaSets, smallest first. */
  static List<Integer> sizes(String app) {
    return replicaSets(app).stream().map(rs -> rs.getSpec().getReplicas()).sorted().toList();
  }
}
