package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;

import io.fabric8.kubernetes.api.model.Pod;
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
 * every pod is deleted and torn down. Args: [pods=100] [perSecond=20] [runtime path]. {@code -Dbench.warmup=N}
 * first starts and deletes N pods at the same rate, unmeasured (the JIT compiles the start path, as in a
 * kubelet that has run for a while); {@code -Dbench.threads=true} prints the JVM's CPU by thread.
 */
public final class PodStartupBenchmark {
  private PodStartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    java.nio.file.Path runtime = args.length > 2 ? java.nio.file.Path.of(args[2]) : null;
    Map<String, Long> created = new ConcurrentHashMap<>();
    Map<String, Long> running = new ConcurrentHashMap<>();
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(10), true, runtime)) {
      var watch = h.client().pods().inNamespace("default").watch(new Watcher<Pod>() {
        @Override
        public void eventReceived(Action action, Pod p) {
          if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
            running.putIfAbsent(p.getMetadata().getName(), System.nanoTime());
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      int warmup = Integer.getInteger("bench.warmup", 0);
      if (warmup > 0) {
        // a kubelet runs for days: let the JIT compile the start path first (these pods are not measured)
        createAtRate(h, "warm-", warmup, rate, new ConcurrentHashMap<>());
        awaitRunning(running, warmup);
        deleteAll(h);
        running.clear();
      }
      Map<String, Long> threads0 = threadCpu();
      long cpu0 = processCpuNanos();
      long cg0 = cgroupCpuNanos();
      createAtRate(h, "bench-", n, rate, created);
      awaitRunning(running, n);
      long cpu1 = processCpuNanos();
      Map<String, Long> threads1 = threadCpu();
      long cg1 = cgroupCpuNanos();
      List<Long> ms = new ArrayList<>();
      for (var e : created.entrySet()) {
        Long r = running.get(e.getKey());
        if (r != null) {
          ms.add(TimeUnit.NANOSECONDS.toMillis(r - e.getValue()));
        }
      }
      ms.sort(null);
      long teardown = deleteAll(h);
      watch.close();
      System.out.printf("warmup=%d pods=%d rate=%d/s running=%d p50=%dms p90=%dms p99=%dms max=%dms teardownAll=%dms runtime=%s%n", warmup, n, rate,
          ms.size(), pct(ms, 50), pct(ms, 90), pct(ms, 99), ms.isEmpty() ? -1 : ms.get(ms.size() - 1), teardown,
          h.config.runtimePath().getFileName());
      // CPU from the first create until every pod ran: the JVM's (kubelet, API server, this client) and, when
      // the benchmark runs in a cpuacct cgroup of its own, everything's (shims, runtimes, pause, containers too)
      if (Boolean.getBoolean("bench.threads")) {
        Map<String, Long> delta = new java.util.TreeMap<>();
        threads1.forEach((k, v) -> delta.put(k, v - threads0.getOrDefault(k, 0L)));
        delta.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .forEach(e -> System.out.printf("threadCpu %s=%dms%n", e.getKey(), e.getValue() * 10));
      }
      System.out.printf("cpuPerPod jvm=%.1fms all=%s%n", (cpu1 - cpu0) / 1e6 / n,
          cg0 < 0 || cg1 < 0 ? "n/a (not in a cpuacct cgroup of its own)" : String.format("%.1fms", (cg1 - cg0) / 1e6 / n));
    }
    System.exit(0);
  }

  /** Creates {@code n} pods named {@code prefix + i} at {@code rate} per second, noting when each create was sent. */
  static void createAtRate(KubeletHarness h, String prefix, int n, int rate, Map<String, Long> created)
      throws InterruptedException {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long wait = start + TimeUnit.SECONDS.toNanos(i) / rate - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      String name = prefix + i;
      created.put(name, System.nanoTime());
      h.client().pods().resource(pod(name, "Always", sh("main", "trap 'exit 0' TERM; while true; do sleep 1; done"))
          .editSpec().withTerminationGracePeriodSeconds(2L).endSpec().build()).create();
    }
  }

  static void awaitRunning(Map<String, Long> running, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (running.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Deletes every pod and waits until the kubelet tore them all down; returns how long that took (ms). */
  static long deleteAll(KubeletHarness h) throws InterruptedException {
    long t0 = System.nanoTime();
    h.client().pods().inNamespace("default").delete();
    while (!h.client().pods().inNamespace("default").list().getItems().isEmpty()
        && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(3)) {
      Thread.sleep(100);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
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
