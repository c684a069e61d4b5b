package io.jk.controllers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.leader.LeaderElection;
import io.jk.testing.TestApiServer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControllerManagerCommandTest {

  @Test
  void reportsEveryBadFlagAtOnce() {
    ControllerManagerCommand cmd = new ControllerManagerCommand();
    new CommandLine(cmd).parseArgs("--kubeconfig", "/nonexistent/kubeconfig", "--controllers", "deployment,bogus",
        "--node-monitor-grace-period", "5x", "--cluster-cidr", "10.0.0.1/16", "--concurrent-deployment-syncs", "0");
    List<String> errors = new ArrayList<>();
    cmd.options(errors);
    String all = String.join("\n", errors);
    assertTrue(all.contains("unknown controller \"bogus\""), all);
    assertTrue(all.contains("--node-monitor-grace-period: invalid duration \"5x\""), all);
    assertTrue(all.contains("--cluster-cidr"), all);
    assertTrue(all.contains("--concurrent-deployment-syncs must be at least 1"), all);
    assertTrue(all.contains("--kubeconfig: cannot read"), all);
    assertEquals(2, new CommandLine(new ControllerManagerCommand()).execute("--kubeconfig", "/nonexistent", "--controllers", "bogus"));
  }

  @Test
  void parsesKubernetesDurations() {
    List<String> errors = new ArrayList<>();
    assertEquals(Duration.ofSeconds(90), ControllerManagerCommand.parseDuration("f", "1m30s", errors));
    assertEquals(Duration.ofMillis(500), ControllerManagerCommand.parseDuration("f", "500ms", errors));
    assertTrue(errors.isEmpty());
    ControllerManagerCommand.parseDuration("f", "50", errors);
    assertEquals(1, errors.size());
  }

  @Test
  void servesHealthAndWorkqueueMetricsAndHoldsTheLease() throws Exception {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).createOr(r -> r.update());
      ControllerManagerCommand cmd = new ControllerManagerCommand();
      AtomicInteger exit = new AtomicInteger(-1);
      Thread t = new Thread(() -> exit.set(new CommandLine(cmd).execute("--kubeconfig", api.kubeconfig().toString(),
          "--leader-elect", "--secure-port", "0", "--controllers", "replicaset,deployment")));
      t.start();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> cmd.manager() != null && cmd.manager().isRunning());
        int port = cmd.manager().port();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", health.body());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          assertTrue(metrics.contains("workqueue_depth{name=\"deployment\"}"), metrics);
          assertTrue(metrics.contains("workqueue_adds_total{name=\"replicaset\"}"), metrics);
          assertTrue(metrics.contains("workqueue_work_duration_seconds_count{name=\"deployment\"}"), metrics);
        });
        Lease lease = client.leases().inNamespace("kube-system").withName("kube-controller-manager").get();
        assertNotNull(lease);
        assertNotNull(lease.getSpec().getHolderIdentity());
      } finally {
        cmd.shutdown();
        t.join(30_000);
      }
      assertEquals(0, exit.get());
    }
  }

  @Test
  void onlyTheLeaderRunsAndAnotherTakesOverWhenItStops() {
    try (TestApiServer api = TestApiServer.start()) {
      api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build())
          .createOr(r -> r.update());
      Vertx vertx = Vertx.vertx();
      try {
        LeaderElection.Timings fast = new LeaderElection.Timings(Duration.ofMillis(2000), Duration.ofMillis(1500), Duration.ofMillis(300));
        ControllerManagerOptions opts = ControllerManagerOptions.defaults().withLeaderElection(true, fast);
        opts = new ControllerManagerOptions(List.of("replicaset"), opts.concurrentSyncs(), 1, opts.nodeMonitorGracePeriod(),
            opts.podEvictionTimeout(), null, 24, true, "kube-system", "jk-cm-test", "127.0.0.1", 0, fast);
        ControllerManager first = new ControllerManager(vertx, api.client(), opts);
        TestCluster.await(first.start());
        await().atMost(Duration.ofSeconds(10)).until(first::isRunning);
        ControllerManager second = new ControllerManager(vertx, api.client(), opts);
        TestCluster.await(second.start());
        try {
          await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !second.isRunning());
          TestCluster.await(first.stop());
          assertFalse(first.isRunning());
          await().atMost(Duration.ofSeconds(10)).until(second::isRunning);
        } finally {
          TestCluster.await(second.stop());
        }
      } finally {
        vertx.close();
      }
    }
  }
}
