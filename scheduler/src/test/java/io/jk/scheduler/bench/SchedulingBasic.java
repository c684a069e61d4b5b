package io.jk.scheduler.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.jk.scheduler.informer.LeanInformer;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.common.client.Clients;
import io.jk.scheduler.Scheduler;
import io.jk.scheduler.SchedulerConfig;
import io.jk.scheduler.hollow.HollowNodeSpec;
import io.jk.scheduler.hollow.HollowNodes;
import io.jk.scheduler.hollow.PodSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A benchmark in the shape of Kubernetes' scheduler_perf SchedulingBasic: the real API server on
 * the embedded SQLite store (durable writes), the real scheduler and hollow nodes in one
 * process. Creates {@code --init-pods} pods and waits for them, then creates {@code --pods} more
 * and prints pods/s from the first create to the last bound pod and the p50/p99 latency from
 * each pod's create request to the scheduler's binding being observed.
 *
 * <p>Not a test: run with {@code scheduler/bench.sh --nodes 1000 --pods 10000}.
 */
public final class SchedulingBasic {

  private SchedulingBasic() {}

  /** Entry point: {@code --nodes N --pods N --init-pods N --run-pods true|false}. */
  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new ConcurrentHashMap<>(Map.of("--nodes", "1000", "--pods", "10000",
        "--init-pods", "1000", "--run-pods", "true", "--store", "sqlite", "--lease-renew", "10",
        "--scheduled-events", "true"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opt.containsKey(args[i])) {
        System.err.println("unknown option " + args[i] + "; known: " + opt.keySet());
        System.exit(2);
      }
      opt.put(args[i], args[i + 1]);
    }
    int nodes = Integer.parseInt(opt.get("--nodes"));
    int pods = Integer.parseInt(opt.get("--pods"));
    int initPods = Integer.parseInt(opt.get("--init-pods"));
    boolean runPods = Boolean.parseBoolean(opt.get("--run-pods"));
    Path dir = Files.createTempDirectory("jk-bench");
    Vertx vertx = Vertx.vertx();
    Store store = opt.get("--store").equals("sqlite")
        ? StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults())
        : new MemoryStore();
    ApiServer server = new ApiServer(vertx, ApiServerConfig.defaults(), store);
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n"
        + "    server: http://127.0.0.1:" + server.port() + "\nusers:\n- name: a\n  user: {token: x}\n"
        + "contexts:\n- name: b\n  context: {cluster: b, user: a, namespace: default}\n"
        + "current-context: b\n");
    KubernetesClient client = Clients.fromKubeconfig(kubeconfig);
    KubernetesClient schedClient = Clients.fromKubeconfig(kubeconfig);
    KubernetesClient nodeClient = Clients.fromKubeconfig(kubeconfig);
    Scheduler scheduler = null;
    HollowNodes hollow = null;
    LeanInformer<PodSummary> watch = null;
    try {
      long t0 = System.nanoTime();
      hollow = HollowNodes.start(nodeClient, nodes, HollowNodeSpec.defaults()
          .withCapacity("4", "32Gi", "110").withRunPods(runPods).withDeleteOnClose(false)
          .withLeaseRenewInterval(java.time.Duration.ofSeconds(Long.parseLong(opt.get("--lease-renew")))));
      System.out.printf("registered %d hollow nodes in %.1f s%n", nodes, (System.nanoTime() - t0) / 1e9);
      scheduler = new Scheduler(vertx, schedClient, SchedulerConfig.defaults(), new SimpleMeterRegistry());
      scheduler.setScheduledEvents(Boolean.parseBoolean(opt.get("--scheduled-events")));
      scheduler.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);

      int total = initPods + pods;
      long[] created = new long[total];
      long[] bound = new long[total];
      CountDownLatch initDone = new CountDownLatch(initPods);
      CountDownLatch measuredDone = new CountDownLatch(pods);
      java.util.function.Consumer<PodSummary> seen = p -> {
        String n = p.getMetadata().getName();
        if (p.getSpec().getNodeName() == null || !"default".equals(p.getMetadata().getNamespace())
            || !n.startsWith("pod-")) {
          return;
        }
        int i = Integer.parseInt(n.substring(4));
        synchronized (bound) {
          if (bound[i] != 0) {
            return;
          }
          bound[i] = System.nanoTime();
        }
        (i < initPods ? initDone : measuredDone).countDown();
      };
      if (runPods) {
        hollow.onPodSeen(seen); // one pod watch for the hollow kubelets and the measurement
      } else {
        watch = LeanInformer.start(client, "/api/v1/namespaces/default/pods", PodSummary.class,
            new LeanInformer.Handler<>() {
              @Override
              public void onAdd(PodSummary p) {
                seen.accept(p);
              }

              @Override
              public void onUpdate(PodSummary o, PodSummary p) {
                seen.accept(p);
              }

              @Override
              public void onDelete(PodSummary p) {}
            });
      }

      createPods(client, 0, initPods, created);
      if (!initDone.await(600, TimeUnit.SECONDS)) {
        throw new IllegalStateException("init pods were not all bound");
      }
      System.out.printf("%d init pods bound%n", initPods);
      long startWall = System.currentTimeMillis();
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      createPods(client, initPods, total, created);
      long createdAll = System.nanoTime();
      if (!measuredDone.await(1200, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + (pods - measuredDone.getCount()) + " pods bound");
      }
      long cpuAtLastBound = processCpuNanos();
      int runningAtLastBound = hollow.runningPods();
      long allBound = System.nanoTime();
      if (runPods) {
        // Hollow kubelets may still be posting Running statuses: report how far behind they are.
        long deadline = allBound + TimeUnit.SECONDS.toNanos(120);
        while (hollow.runningPods() < total && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
      }
      long allRunning = System.nanoTime();
      long cpuAllRunning = processCpuNanos();
      long last = Arrays.stream(bound, initPods, total).max().orElse(start);
      double secs = (last - start) / 1e9;
      long[] lat = new long[pods];
      for (int i = 0; i < pods; i++) {
        lat[i] = bound[initPods + i] - created[initPods + i];
      }
      Arrays.sort(lat);
      System.out.printf("SchedulingBasic nodes=%d initPods=%d pods=%d runPods=%s store=%s "
          + "scheduledEvents=%s%n", nodes, initPods, pods, runPods, opt.get("--store"),
          opt.get("--scheduled-events"));
      System.out.printf("  creates took %.2f s (%.0f creates/s)%n", (createdAll - start) / 1e9,
          pods / ((createdAll - start) / 1e9));
      System.out.printf("  throughput %.0f pods/s (first create to last bound: %.2f s)%n", pods / secs, secs);
      System.out.printf("  window %s .. %s (for profiles)%n", java.time.Instant.ofEpochMilli(startWall),
          java.time.Instant.ofEpochMilli(startWall + (last - start) / 1_000_000));
      if (runPods) {
        System.out.printf("  hollow nodes: %d of %d pods Running at the last binding, %d %.2f s later%n",
            runningAtLastBound, total, hollow.runningPods(), (allRunning - allBound) / 1e9);
      }
      // CPU the whole process (API server, scheduler, hollow nodes, generator) spent per pod:
      // unlike pods/s, it hardly depends on what else the machine runs.
      double perPod = (cpuAtLastBound - cpuStart) / 1e6 / pods;
      double perPodAll = (cpuAllRunning - cpuStart) / 1e6 / pods;
      System.out.printf("  process CPU per pod: %.2f ms to the last binding, %.2f ms until all Running"
          + " (2 idle cores: at most %.0f pods/s)%n", perPod, perPodAll, 2000 / perPodAll);
      System.out.printf("  latency create->bound p50=%.1f ms p99=%.1f ms max=%.1f ms%n",
          lat[pods / 2] / 1e6, lat[(int) (pods * 0.99)] / 1e6, lat[pods - 1] / 1e6);
    } finally {
      if (watch != null) {
        watch.close();
      }
      if (scheduler != null) {
        scheduler.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      if (hollow != null) {
        hollow.close();
      }
      client.close();
      schedClient.close();
      nodeClient.close();
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      store.close();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Creates pods {@code from..to-1} with up to 128 requests in flight (raw async POSTs). */
  private static void createPods(KubernetesClient client, int from, int to, long[] created)
      throws InterruptedException {
    HttpClient http = client.getHttpClient();
    String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/default/pods";
    Semaphore inFlight = new Semaphore(128);
    AtomicInteger failures = new AtomicInteger();
    for (int i = from; i < to; i++) {
      String body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-" + i
          + "\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"name\":\"pause\","
          + "\"image\":\"registry.k8s.io/pause:3.10\",\"resources\":{\"requests\":"
          + "{\"cpu\":\"100m\",\"memory\":\"500Mi\"},\"limits\":{\"cpu\":\"100m\",\"memory\":\"500Mi\"}}}]}}";
      inFlight.acquire();
      created[i] = System.nanoTime();
      HttpRequest req = http.newHttpRequestBuilder().uri(url).post("application/json", body).build();
      http.sendAsync(req, String.class).whenComplete((r, e) -> {
        inFlight.release();
        if (e != null || r.code() >= 300) {
          if (failures.incrementAndGet() < 5) {
            System.err.println("create failed: " + (e != null ? e : r.code() + " " + r.body()));
          }
        }
      });
    }
    inFlight.acquire(128);
    inFlight.release(128);
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " pod creates failed");
    }
  }
}
