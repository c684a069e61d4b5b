package io.jk.scheduler;

import io.jk.common.health.HealthServer;
import static io.jk.scheduler.PodBuilders.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.scheduler.hollow.HollowNodeSpec;
import io.jk.scheduler.hollow.HollowNodes;
import io.jk.testing.TestApiServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MetricsAndCommandTest {

  private static String get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void healthzAndPrometheusMetricsReportAttemptsLatencyAndPendingPods() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Scheduler s = new Scheduler(vertx, api.client(), SchedulerConfig.defaults(), registry);
      HealthServer health = new HealthServer(vertx, registry, () -> true);
      int port = health.start("127.0.0.1", 0).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      try (HollowNodes nodes = HollowNodes.start(client, 1,
          HollowNodeSpec.defaults().withCapacity("1", "1Gi", "110"))) {
        assertEquals(1, nodes.nodeNames().size());
        s.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        client.pods().inNamespace("default").resource(pod("fits").cpu("100m").build()).create();
        client.pods().inNamespace("default").resource(pod("too-big").cpu("2").build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> get(port, "/metrics")
            .contains("scheduler_schedule_attempts_total{result=\"scheduled\"} 1.0"));
        String m = get(port, "/metrics");
        assertTrue(m.contains("scheduler_schedule_attempts_total{result=\"unschedulable\"}"), m);
        assertTrue(m.contains("scheduler_e2e_scheduling_duration_seconds_bucket"), m);
        await().atMost(Duration.ofSeconds(10)).until(() -> get(port, "/metrics")
            .contains("scheduler_pending_pods{queue=\"unschedulable\"} 1.0"));
        assertEquals("ok", get(port, "/healthz"));
        s.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      health.stop();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theCommandsRejectMissingAndBadFlags() {
    assertEquals(2, new CommandLine(new SchedulerCommand()).execute("--leader-elect"));
    assertEquals(2, new CommandLine(new io.jk.scheduler.hollow.HollowNodesCommand())
        .execute("--kubeconfig", "/nonexistent", "--count", "-1"));
  }
}
