package io.jk.proxy;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.testing.TestApiServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark (not a test): proxy sync latency, from an EndpointSlice update accepted by the API
 * server to the nftables transaction holding it applied, with S Services x E endpoints (default
 * 1000 x 10), in a scratch network namespace. Run as root:
 * {@code java -cp <proxy test classpath> io.jk.proxy.ProxySyncBenchmark [services] [endpoints] [samples]}.
 */
public final class ProxySyncBenchmark {
  private ProxySyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int samples = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    String ns = "jkbench" + ProcessHandle.current().pid() % 100000;
    HostCommands host = new HostCommands(null);
    host.ip("netns", "add", ns);
    Vertx vertx = Vertx.vertx();
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      long t = System.nanoTime();
      for (int i = 0; i < services; i++) {
        client.services().resource(new ServiceBuilder().withNewMetadata().withName("s" + i).withNamespace("default")
            .endMetadata().withNewSpec().withClusterIP("10.96." + (10 + i / 250) + "." + (1 + i % 250))
            .addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().resource(slice(i, endpoints, 0)).create();
      }
      System.out.printf("created %d services x %d endpoints in %d ms%n", services, endpoints,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Proxy proxy = new Proxy(vertx, client, new ProxyOptions("bench", "10.244.0.0/16", Duration.ofMillis(250), ns),
          registry);
      AtomicReference<CompletableFuture<Long>> waiting = new AtomicReference<>();
      AtomicReference<String> wantIp = new AtomicReference<>("");
      AtomicReference<Integer> wantSvc = new AtomicReference<>(-1);
      proxy.onSynced((rules, at) -> {
        CompletableFuture<Long> w = waiting.get();
        int i = wantSvc.get();
        if (w != null && i >= 0) {
          String id = "default/s" + i + ":http";
          rules.stream().filter(r -> r.id().equals(id)).findFirst()
              .filter(r -> r.endpoints().stream().anyMatch(e -> e.ip().equals(wantIp.get())))
              .ifPresent(r -> w.complete(at));
        }
      });
      t = System.nanoTime();
      proxy.start().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
      System.out.printf("first full sync in %d ms, rules=%s%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t),
          registry.find("proxy.rules.count").gauge().value());
      List<Long> lat = new ArrayList<>();
      for (int k = 1; k <= samples; k++) {
        int i = (k * 7919) % services;
        EndpointSlice s = slice(i, endpoints, k);
        CompletableFuture<Long> w = new CompletableFuture<>();
        wantSvc.set(i);
        wantIp.set(s.getEndpoints().get(0).getAddresses().get(0));
        waiting.set(w);
        long t0 = System.nanoTime();
        client.discovery().v1().endpointSlices().resource(s).update();
        long applied = w.get(60, TimeUnit.SECONDS);
        lat.add(applied - t0);
        Thread.sleep(300); // spacing between changes, so each sample is one change (benchmark, not a test)
      }
      Collections.sort(lat);
      System.out.printf("sync latency (EndpointSlice update -> rules applied), %d samples: p50=%d ms p90=%d ms p99=%d ms max=%d ms%n",
          lat.size(), ms(lat, 0.50), ms(lat, 0.90), ms(lat, 0.99), TimeUnit.NANOSECONDS.toMillis(lat.get(lat.size() - 1)));
      var timer = registry.find("proxy.sync.proxy.rules.duration").timer();
      System.out.printf("proxy_sync_proxy_rules_duration_seconds: count=%d mean=%.0f ms max=%.0f ms%n", timer.count(),
          timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS));
      proxy.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      vertx.close();
      host.ip("netns", "del", ns);
    }
  }

  private static long ms(List<Long> sorted, double q) {
    int idx = Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1);
    return TimeUnit.NANOSECONDS.toMillis(sorted.get(Math.max(0, idx)));
  }

  private static EndpointSlice slice(int svc, int endpoints, int generation) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName("s" + svc + "-x").withNamespace("default")
        .addToLabels(ProxyModel.SERVICE_NAME_LABEL, "s" + svc).endMetadata().withAddressType("IPv4")
        .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort();
    for (int e = 0; e < endpoints; e++) {
      int n = svc * endpoints + e + generation * 7;
      b.addNewEndpoint().withAddresses("10." + (244 + (generation % 2)) + "." + (n / 250 % 250) + "." + (1 + n % 250))
          .withNewConditions().withReady(true).endConditions().endEndpoint();
    }
    return b.build();
  }
}
