package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.jk.kubelet.testing.KubeletHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Pod startup latency on one node with the image present (a benchmark program, not a test): N pods
 * created at R pods/s, time from create to Running as seen by a watch, p50/p99; then the time until
 * every pod is deleted and torn down. Args: [pods=100, at most 100] [perSecond=20] [runtime path]. Runs
 * {@code -Dbench.rounds} rounds (3): the first in a JVM just started (cold: the JIT compiles the API server's
 * and kubelet's paths while the pods come), the next on the same, now warm, processes, as on a node that has
 * been up a while; each round is printed, then the warm rounds' pods together. {@code -Dbench.threads=true} prints the JVM's CPU by thread,
 * {@code -Dbench.each=true} every pod's create time and latency, {@code -Dbench.requests=true} the API
 * server's requests per pod by verb and resource.
 */
public final class PodStartupBenchmark {
  private PodStartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    java.nio.file.Path runtime = args.length > 2 ? java.nio.file.Path.of(args[2]) : null;
    int rounds = Integer.getInteger("bench.rounds", 3);
    if (n > 100) {
      // a node takes 110 pods (its "pods" capacity): more would be rejected with OutOfpods, not started
      throw new IllegalArgumentException("at most 100 pods per round (the node's pod capacity is 110)");
    }
    Map<String, Long> running = new ConcurrentHashMap<>();
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(10), true, runtime)) {
      // one client for the whole run, as a controller or load generator has: h.client() makes a new one
      // (its own Vert.x, TLS connection and kubeconfig parse) on every call
      KubernetesClient client = h.client();
      var watch = client.pods().inNamespace("default").watch(new Watcher<Pod>() {
        @Override
        public void eventReceived(Action action, Pod p) {
          if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
            running.putIfAbsent(p.getMetadata().getName(), System.nanoTime());
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      // round 1 is a kubelet and API server just started (the JIT compiles their paths while the pods come);
      // later rounds are the same processes after they ran pods (a node that has been up a while)
      List<Long> warm = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        List<Long> ms = round(client, h, round, n, rate, running);
        if (round > 1) {
          warm.addAll(ms);
        }
      }
      warm.sort(null);
      if (!warm.isEmpty()) {
        System.out.printf("warm rounds 2-%d together: pods=%d p50=%dms p90=%dms p99=%dms max=%dms%n", rounds, warm.size(),
            pct(warm, 50), pct(warm, 90), pct(warm, 99), warm.get(warm.size() - 1));
      }
      watch.close();
    }
    System.exit(0);
  }

  /** One measured round: {@code n} pods created at {@code rate}/s, each until Running, then all deleted. */
  static List<Long> round(KubernetesClient client, KubeletHarness h, int round, int n, int rate, Map<String, Long> running)
      throws InterruptedException {
    Map<String, Long> created = new ConcurrentHashMap<>();
    Map<String, Double> requests0 = requestCounts(client);
    long t0 = System.nanoTime();
    Map<String, Long> threads0 = threadCpu();
    long cpu0 = processCpuNanos();
    long cg0 = cgroupCpuNanos();
    long span = createAtRate(client, "r" + round + "-", n, rate, created);
    awaitRunning(running, created.keySet());
    long cpu1 = processCpuNanos();
    Map<String, Long> threads1 = threadCpu();
    long cg1 = cgroupCpuNanos();
    long t1 = System.nanoTime();
    Map<String, Double> requests1 = requestCounts(client);
    List<Long> ms = new ArrayList<>();
    for (var e : created.entrySet()) {
      Long r = running.get(e.getKey());
      if (r != null) {
        ms.add(TimeUnit.NANOSECONDS.toMillis(r - e.getValue()));
      }
    }
    if (Boolean.getBoolean("bench.each")) {
      long first = created.values().stream().mapToLong(Long::longValue).min().orElse(0);
      created.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> System.out.printf("pod %s at=%dms took=%dms%n",
          e.getKey(), TimeUnit.NANOSECONDS.toMillis(e.getValue() - first),
          running.containsKey(e.getKey()) ? TimeUnit.NANOSECONDS.toMillis(running.get(e.getKey()) - e.getValue()) : -1));
    }
    ms.sort(null);
    long teardown = deleteAll(client);
    // createSpan: first to last create sent (n/rate seconds when the client kept the rate)
    System.out.printf("round=%d%s pods=%d rate=%d/s createSpan=%dms running=%d p50=%dms p90=%dms p99=%dms max=%dms teardownAll=%dms runtime=%s%n",
        round, round == 1 ? " (cold JVM)" : "", n, rate, span, ms.size(), pct(ms, 50), pct(ms, 90), pct(ms, 99),
        ms.isEmpty() ? -1 : ms.get(ms.size() - 1), teardown, h.config.runtimePath().getFileName());
    // CPU from the first create until every pod ran: the JVM's (kubelet, API server, this client) and, when
    // the benchmark runs in a cpuacct cgroup of its own, everything's (shims, runtimes, pause, containers too)
    if (Boolean.getBoolean("bench.threads")) {
      Map<String, Long> delta = new java.util.TreeMap<>();
      threads1.forEach((k, v) -> delta.put(k, v - threads0.getOrDefault(k, 0L)));
      delta.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(e -> System.out.printf("  threadCpu %s=%dms%n", e.getKey(), e.getValue() * 10));
    }
    if (Boolean.getBoolean("bench.requests")) {
      // the API server's requests per pod in the window, by verb and resource (its apiserver_request_total)
      requests1.forEach((k, v) -> {
        double d = v - requests0.getOrDefault(k, 0.0);
        if (d > 0) {
          System.out.printf("  requests %s=%.2f/pod%n", k, d / n);
        }
      });
    }
    // the window in CLOCK_MONOTONIC seconds (System.nanoTime's clock), to cut a profile: perf record -k CLOCK_MONOTONIC
    System.out.printf("  cpuPerPod jvm=%.1fms all=%s window=%.3f,%.3f%n", (cpu1 - cpu0) / 1e6 / n,
        cg0 < 0 || cg1 < 0 ? "n/a (not in a cpuacct cgroup of its own)" : String.format("%.1fms", (cg1 - cg0) / 1e6 / n),
        t0 / 1e9, t1 / 1e9);
    return ms;
  }

  /** Creates {@code n} pods named {@code prefix + i} at {@code rate} per second, noting when each create was sent. */
  static long createAtRate(KubernetesClient client, String prefix, int n, int rate, Map<String, Long> created)
      throws InterruptedException {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long wait = start + TimeUnit.SECONDS.toNanos(i) / rate - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      String name = prefix + i;
      created.put(name, System.nanoTime());
      client.pods().resource(pod(name, "Always", sh("main", "trap 'exit 0' TERM; while true; do sleep 1; done"))
          .editSpec().withTerminationGracePeriodSeconds(2L).endSpec().build()).create();
    }
    return TimeUnit.NANOSECONDS.toMillis(created.get(prefix + (n - 1)) - created.get(prefix + 0));
  }

  static void awaitRunning(Map<String, Long> running, java.util.Set<String> names) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!running.keySet().containsAll(names) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Deletes every pod and waits until the kubelet tore them all down; returns how long that took (ms). */
  static long deleteAll(KubernetesClient client) throws InterruptedException {
    long t0 = System.nanoTime();
    client.pods().inNamespace("default").delete();
    while (!client.pods().inNamespace("default").list().getItems().isEmpty()
        && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(3)) {
      Thread.sleep(100);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** The API server's request counters by "verb resource" (empty unless bench.requests is set). */
  static Map<String, Double> requestCounts(KubernetesClient client) {
    return Boolean.getBoolean("bench.requests") ? io.jk.kubelet.testing.ApiRequests.byVerbAndResource(client) : Map.of();
  }

  /** CPU (clock ticks) of this JVM's threads by name with digits dropped ("kubelet-pod-#", "C2 CompilerThre#"). */
  static Map<String, Long> threadCpu() {
    Map<String, Long> out = new java.util.TreeMap<>();
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path t : tasks.toList()) {
        try {
          String stat = java.nio.file.Files.readString(t.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended
        }
      }
    } catch (java.io.IOException e) {
      // no /proc
    }
    return out;
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** cpuacct.usage of this process's cgroup (v1), or -1 when that is the root (the whole machine) or unknown. */
  static long cgroupCpuNanos() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/cgroup"))) {
        String[] f = line.split(":", 3);
        if (f.length == 3 && java.util.Arrays.asList(f[1].split(",")).contains("cpuacct") && !f[2].equals("/")) {
          java.nio.file.Path dir = java.nio.file.Path.of("/sys/fs/cgroup/" + f[1]).toRealPath();
          return Long.parseLong(java.nio.file.Files.readString(dir.resolve(f[2].substring(1)).resolve("cpuacct.usage")).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not measurable here
    }
    return -1;
  }

  static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }
}
