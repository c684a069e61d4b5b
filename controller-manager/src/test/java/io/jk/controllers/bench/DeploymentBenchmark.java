package io.jk.controllers.bench;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.TestClusterAccess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (not a timed test; runs only with {@code -Djk.bench=true}): a Deployment scaled
 * 0 → N replicas, then a rolling update of those N pods, each timed until {@code kubectl rollout
 * status} would report done. Pods are marked Running/Ready by the stand-in kubelet (hollow).
 *
 * <pre>
 * mvn -B -ntp -q -pl controller-manager -am verify -Dtest=DeploymentBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djk.bench=true [-Djk.bench.replicas=1000]
 * </pre>
 */
class DeploymentBenchmark {

  static boolean rolledOut(KubernetesClient client, String name) {
    Deployment d = client.apps().deployments().inNamespace("default").withName(name).get();
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

  @Test
  void scaleAndRollingUpdate() {
    Assumptions.assumeTrue(Boolean.getBoolean("jk.bench"), "benchmark: run with -Djk.bench=true");
    int n = Integer.getInteger("jk.bench.replicas", 1000);
    try (TestClusterAccess cluster = TestClusterAccess.start(List.of("replicaset", "deployment"))) {
      KubernetesClient client = cluster.client();
      client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
          .withNewMetadata().withName("bench").withNamespace("default").endMetadata()
          .withNewSpec().withReplicas(0)
          .withNewSelector().addToMatchLabels("app", "bench").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "bench").endMetadata()
          .withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec()
          .endTemplate().endSpec().build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> rolledOut(client, "bench"));

      long t0 = System.nanoTime();
      client.apps().deployments().inNamespace("default").withName("bench").scale(n);
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> rolledOut(client, "bench"));
      double scaleSeconds = (System.nanoTime() - t0) / 1e9;

      long t1 = System.nanoTime();
      client.apps().deployments().inNamespace("default").withName("bench")
          .edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec().editFirstContainer().withImage("busybox:2")
              .endContainer().endSpec().endTemplate().endSpec().build());
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).until(() -> rolledOut(client, "bench"));
      double rollSeconds = (System.nanoTime() - t1) / 1e9;
      System.out.printf("BENCH deployment scale 0->%d: %.2f s (target < 10 s)%n", n, scaleSeconds);
      System.out.printf("BENCH rolling update of %d pods (maxSurge 25%%, maxUnavailable 25%%): %.2f s (target < 10 s)%n", n, rollSeconds);
    }
  }
}
