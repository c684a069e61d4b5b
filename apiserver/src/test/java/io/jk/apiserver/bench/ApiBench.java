package io.jk.apiserver.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.storage.bench.StoreBench;
import io.jk.apiserver.storage.bench.StoreBench.Result;
import io.jk.common.json.Json;
import io.jk.testing.etcd.EtcdProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's benchmark (not a test): durable pod creates through the REST API with many
 * concurrent clients, and the delay from a create to its event reaching each of many watchers, on
 * the SQLite store and on the etcd store, with raw etcd puts at the same concurrency measured in the
 * same run as the yardstick. The server runs in this JVM on plain HTTP on loopback.
 *
 * <pre>
 * mvn -B -ntp -q -pl apiserver -am verify -Dtest=DiscoveryTest -Dsurefire.failIfNoSpecifiedTests=false
 * CP=$(grep -o 'surefire.test.class.path" value="[^"]*' \
 *     apiserver/target/surefire-reports/TEST-io.jk.apiserver.server.DiscoveryTest.xml | cut -d'"' -f3)
 * java -cp "$CP" io.jk.apiserver.bench.ApiBench --clients 64 --seconds 10 --watchers 1000 --events 200
 * </pre>
 */
public final class ApiBench {

  private ApiBench() {}

  public static void main(String[] args) throws Exception {
    int clients = 64;
    int seconds = 10;
    int watchers = 1000;
    int events = 200;
    int eventRate = 100;
    String targets = "sqlite,etcd,raw-etcd";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--watchers" -> watchers = Integer.parseInt(args[i + 1]);
        case "--events" -> events = Integer.parseInt(args[i + 1]);
        case "--event-rate" -> eventRate = Integer.parseInt(args[i + 1]);
        case "--targets" -> targets = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.printf("clients=%d seconds=%d watchers=%d events=%d@%d/s cpus=%d%n", clients, seconds, watchers,
        events, eventRate, Runtime.getRuntime().availableProcessors());
    List<String> lines = new ArrayList<>();
    try (EtcdProcess etcd = EtcdProcess.start()) {
      for (String target : targets.split(",")) {
        if (target.equals("raw-etcd")) {
          try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            KV kv = client.getKVClient();
            byte[] pod = podJson("raw", "0").getBytes(StandardCharsets.UTF_8);
            StoreBench.measure("raw-etcd-warmup", clients, 1, pod, (k, v) -> put(kv, k, v));
            Result r = StoreBench.measure("raw-etcd", clients, seconds, pod, (k, v) -> put(kv, k, v));
            lines.add(String.format(Locale.ROOT, "%-14s puts     %8.0f/s  p50 %6.2f ms  p99 %6.2f ms", "raw etcd",
                r.ops() / r.seconds(), r.p50Micros() / 1000.0, r.p99Micros() / 1000.0));
          }
          continue;
        }
        Path dir = Files.createTempDirectory("jk-apibench-");
        String endpoint = target.equals("sqlite") ? "sqlite://" + dir.resolve("state.db") : etcd.endpoint();
        Vertx serverVertx = Vertx.vertx();
        Vertx clientVertx = Vertx.vertx();
        try (Store store = StoreFactory.open(endpoint, StoreOptions.defaults())) {
          ApiServer server = new ApiServer(serverVertx, ApiServerConfig.defaults().withListen("127.0.0.1", 0), store);
          await(server.start());
          String base = "http://127.0.0.1:" + server.port();
          HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5)).build();
          StoreBench.measure("api-" + target + "-warmup", clients, 1, new byte[0], (k, v) -> createPod(http, base, k, "default"));
          Result r = StoreBench.measure("api-" + target, clients, seconds, new byte[0], (k, v) -> createPod(http, base, k, "default"));
          lines.add(String.format(Locale.ROOT, "%-14s creates  %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  (%d errors)",
              "api/" + target, r.ops() / r.seconds(), r.p50Micros() / 1000.0, r.p99Micros() / 1000.0, r.errors()));
          long[] delivery = watchDelivery(clientVertx, http, base, server.port(), watchers, events, eventRate);
          lines.add(String.format(Locale.ROOT, "%-14s watch    %d watchers x %d events: p50 %6.2f ms  p99 %6.2f ms"
                  + "  max %6.2f ms  (%d of %d delivered)", "api/" + target, watchers, events, delivery[0] / 1e6,
              delivery[1] / 1e6, delivery[2] / 1e6, delivery[3], (long) watchers * events));
          await(server.stop());
        } finally {
          await(clientVertx.close());
          await(serverVertx.close());
          try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
    System.out.println();
    lines.forEach(System.out::println);
    System.exit(0);
  }

  private static void put(KV kv, String key, byte[] value) throws Exception {
    kv.put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value)).get(30, TimeUnit.SECONDS);
  }

  /** Creates one pod named after the load runner's key; fails on anything but 201. */
  private static void createPod(HttpClient http, String base, String key, String namespace) throws Exception {
    String name = key.substring("/registry/bench/".length()).replace('/', '-');
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + namespace + "/pods"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(podJson(name, "0"))).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create " + name + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** A pod of about 1 KB as clients send it. */
  static String podJson(String name, String sentNanos) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\"bench\","
        + "\"tier\":\"web\"},\"annotations\":{\"bench/sent\":\"" + sentNanos + "\"}},\"spec\":{\"containers\":[{\"name\":"
        + "\"web\",\"image\":\"registry.example/web:1.0\",\"ports\":[{\"containerPort\":8080}],\"env\":[{\"name\":\"MODE\","
        + "\"value\":\"bench\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"},\"limits\":{\"memory\":"
        + "\"128Mi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080}}}],\"nodeSelector\":{"
        + "\"kubernetes.io/os\":\"linux\"},\"tolerations\":[{\"key\":\"bench\",\"operator\":\"Exists\"}]}}";
  }

  /**
   * Opens {@code watchers} watches on a fresh namespace, creates {@code events} pods at
   * {@code rate}/s stamped with their send time, and measures each event's arrival at each watcher.
   *
   * @return p50, p99 and max delay in ns, and how many deliveries arrived
   */
  private static long[] watchDelivery(Vertx vertx, HttpClient http, String base, int port, int watchers, int events,
      int rate) throws Exception {
    String ns = "watchbench";
    http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
            + ns + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
    String rv = Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + ns
        + "/pods")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("metadata").path("resourceVersion").asText();
    long[] delays = new long[watchers * events];
    AtomicInteger delivered = new AtomicInteger();
    CountDownLatch connected = new CountDownLatch(watchers);
    CountDownLatch done = new CountDownLatch(1);
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(port).setMaxPoolSize(watchers + 1));
    String marker = "\"bench/sent\":\"";
    for (int i = 0; i < watchers; i++) {
      client.request(HttpMethod.GET, "/api/v1/namespaces/" + ns + "/pods?watch=true&resourceVersion=" + rv)
          .compose(req -> req.send())
          .onSuccess(resp -> {
            resp.handler(RecordParser.newDelimited("\n", line -> {
              long now = System.nanoTime();
              String event = line.toString(StandardCharsets.UTF_8);
              int at = event.indexOf(marker);
              if (at < 0 || !event.startsWith("{\"type\":\"ADDED\"")) {
                return;
              }
              int from = at + marker.length();
              long sent = Long.parseLong(event.substring(from, event.indexOf('"', from)));
              int n = delivered.getAndIncrement();
              if (n < delays.length) {
                delays[n] = now - sent;
              }
              if (n + 1 == delays.length) {
                done.countDown();
              }
            }));
            connected.countDown();
          })
          .onFailure(e -> System.err.println("watch failed: " + e));
    }
    if (!connected.await(60, TimeUnit.SECONDS)) {
      System.err.println("only " + (watchers - connected.getCount()) + " watchers connected");
    }
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    for (int i = 0; i < events; i++) {
      while (System.nanoTime() < next) {
        Thread.onSpinWait();
      }
      next += interval;
      String body = podJson("w-" + i, Long.toString(System.nanoTime()));
      http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + ns + "/pods"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    done.await(60, TimeUnit.SECONDS);
    await(client.close());
    int n = Math.min(delivered.get(), delays.length);
    long[] got = Arrays.copyOf(delays, n);
    Arrays.sort(got);
    if (n == 0) {
      return new long[] {0, 0, 0, 0};
    }
    return new long[] {got[n / 2], got[Math.min(n - 1, (int) (n * 0.99))], got[n - 1], n};
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
