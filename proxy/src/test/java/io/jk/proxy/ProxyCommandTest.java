package io.jk.proxy;

import io.jk.common.health.HealthServer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Sync batching, /healthz and /metrics, and {@code jk proxy --cleanup}, in a scratch namespace. */
class ProxyCommandTest {
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  @Test
  void changesInsideTheMinSyncPeriodAreBatchedAndCleanupRemovesTheTable() throws Exception {
    Assumptions.assumeTrue(ROOT, "needs root: network namespaces and nftables");
    String ns = "jkpc" + ProcessHandle.current().pid() % 100000;
    HostCommands host = new HostCommands(null);
    host.ip("netns", "add", ns);
    Vertx vertx = Vertx.vertx();
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Proxy proxy = new Proxy(vertx, client, new ProxyOptions("n1", null, Duration.ofSeconds(2), ns), registry);
      AtomicInteger lastServices = new AtomicInteger();
      proxy.onSynced((rules, at) -> lastServices.set((int) rules.stream().filter(r -> r.id().startsWith("default/b")).count()));
      proxy.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      HealthServer health = new HealthServer(vertx, registry, proxy::healthy);
      int port = health.start("127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      long before = proxy.syncCount();
      for (int i = 0; i < 8; i++) {
        client.services().resource(new ServiceBuilder().withNewMetadata().withName("b" + i).withNamespace("default")
            .endMetadata().withNewSpec().withClusterIP("10.96.1." + (i + 1)).addNewPort().withPort(80).endPort()
            .endSpec().build()).create();
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> lastServices.get() == 8);
      assertTrue(proxy.syncCount() - before <= 3, "8 changes inside ~2 periods take at most 3 syncs, took "
          + (proxy.syncCount() - before));
      assertTrue(new HostCommands(ns).run(null, "nft", "list", "set", "ip", "jk-proxy", "no-endpoint-services")
          .contains("10.96.1.8"));

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> healthz = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, healthz.statusCode());
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(metrics.contains("proxy_sync_proxy_rules_duration_seconds_count"), metrics);
      assertTrue(metrics.contains("proxy_rules_count"), metrics);
      proxy.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      health.stop();

      assertEquals(0, new CommandLine(new ProxyCommand()).execute("--cleanup", "--netns", ns));
      assertEquals("", new HostCommands(ns).run(null, "nft", "list", "tables").strip(), "no table left");
      assertNotEquals(0, new CommandLine(new ProxyCommand()).execute("--min-sync-period", "soon", "--kubeconfig",
          api.kubeconfig().toString()), "a bad flag is refused");
    } finally {
      vertx.close();
      host.ip("netns", "del", ns);
    }
    assertFalse(host.ip("netns", "list").contains(ns));
  }
}
