package io.jk.controllers.job;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.ControllerManagerOptions;
import io.jk.controllers.Kubectl;
import io.jk.controllers.TestClusterAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobControllerTest {

  static TestClusterAccess cluster;
  static KubernetesClient client;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void start() {
    // Pod failure back-off shortened from Kubernetes' 10 s to 1 s: same doubling, test-sized.
    cluster = TestClusterAccess.start(List.of("job", "garbagecollector"), o -> o.withEviction(
        new ControllerManagerOptions.Eviction(0.1, 0.01, 0.55, 50, Duration.ofSeconds(1))));
    cluster.markReady(false); // this test plays the kubelet and decides how pods end
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Job job(String name, int completions, int parallelism, int backoffLimit) {
    return new JobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withCompletions(completions).withParallelism(parallelism).withBackoffLimit(backoffLimit)
        .withNewTemplate().withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build();
  }

  static List<Pod> active(String job) {
    return client.pods().inNamespace("default").withLabel("job-name", job).list().getItems().stream()
        .filter(p -> p.getStatus() == null || p.getStatus().getPhase() == null || "Pending".equals(p.getStatus().getPhase())).toList();
  }

  static void finish(Pod p, String phase) {
    client.pods().inNamespace("default").resource(new PodBuilder(p).editOrNewStatus().withPhase(phase).endStatus().build()).updateStatus();
  }

  static JobCondition condition(String job, String type) {
    Job j = client.batch().v1().jobs().inNamespace("default").withName(job).get();
    return j.getStatus() == null || j.getStatus().getConditions() == null ? null
        : j.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  @Test
  void runsToCompletionWithParallelismAndKubectlWaitSeesIt() {
    client.batch().v1().jobs().inNamespace("default").resource(job("pi", 3, 2, 6)).create();
    int done = 0;
    while (done < 3) {
      int expected = Math.min(2, 3 - done);
      await().atMost(Duration.ofSeconds(20)).until(() -> active("pi").size() == expected);
      assertTrue(active("pi").size() <= 2, "parallelism");
      finish(active("pi").get(0), "Succeeded");
      done++;
    }
    Kubectl.Result wait = cluster.kubectl(cacheDir, "wait", "--for=condition=complete", "job/pi", "--timeout=30s");
    assertEquals(0, wait.exitCode(), wait.output());
    Job j = client.batch().v1().jobs().inNamespace("default").withName("pi").get();
    assertEquals(3, j.getStatus().getSucceeded());
    assertEquals(0, j.getStatus().getActive());
    assertTrue(j.getStatus().getCompletionTime() != null);
  }

  @Test
  void failsAfterTheBackoffLimit() {
    client.batch().v1().jobs().inNamespace("default").resource(job("flaky", 1, 1, 1)).create();
    for (int i = 0; i < 2; i++) {
      await().atMost(Duration.ofSeconds(20)).until(() -> active("flaky").size() == 1);
      finish(active("flaky").get(0), "Failed");
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JobCondition c = condition("flaky", "Failed");
      assertNotNull(c, "no Failed condition yet");
      assertEquals("True", c.getStatus());
      assertEquals("BackoffLimitExceeded", c.getReason());
    });
    assertEquals(0, active("flaky").size(), "no new pod after the limit");
    assertEquals(2, client.batch().v1().jobs().inNamespace("default").withName("flaky").get().getStatus().getFailed());
  }

  @Test
  void failedPodsAreReplacedAfterADoublingBackoff() {
    client.batch().v1().jobs().inNamespace("default").resource(job("retry", 1, 1, 3)).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> active("retry").size() == 1);
    long[] waited = new long[2];
    for (int i = 0; i < 2; i++) {
      String failed = active("retry").get(0).getMetadata().getName();
      long t = System.nanoTime();
      finish(active("retry").get(0), "Failed");
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
          active("retry").size() == 1 && !active("retry").get(0).getMetadata().getName().equals(failed));
      waited[i] = (System.nanoTime() - t) / 1_000_000;
    }
    assertTrue(waited[0] >= 900, "first replacement after ~1 s, took " + waited[0] + " ms");
    assertTrue(waited[1] >= 1900, "second after ~2 s (doubled), took " + waited[1] + " ms");
    finish(active("retry").get(0), "Succeeded");
    await().atMost(Duration.ofSeconds(20)).until(() -> condition("retry", "Complete") != null);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0} failures wait {1} s")
  @org.junit.jupiter.params.provider.CsvSource({"1, 10", "2, 20", "3, 40", "6, 320", "7, 360", "60, 360"})
  void backoffDoublesFromTenSecondsUpToSixMinutes(int failures, long seconds) {
    assertEquals(Duration.ofSeconds(seconds), FailureBackoff.delay(Duration.ofSeconds(10), failures));
  }

  @Test
  void finishedJobIsDeletedAfterItsTtl() {
    Job j = job("short", 1, 1, 0);
    j.getSpec().setTtlSecondsAfterFinished(1);
    client.batch().v1().jobs().inNamespace("default").resource(j).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> active("short").size() == 1);
    finish(active("short").get(0), "Succeeded");
    await().atMost(Duration.ofSeconds(20)).until(() -> client.batch().v1().jobs().inNamespace("default").withName("short").get() == null);
    await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace("default").withLabel("job-name", "short").list().getItems().isEmpty());
  }
}
