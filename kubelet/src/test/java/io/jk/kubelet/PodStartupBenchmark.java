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
 * every pod is deleted and torn down. Args: [pods=100] [perSecond=20] [runtime path].
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
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = start + TimeUnit.SECONDS.toNanos(i) / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        String name = "bench-" + i;
        created.put(name, System.nanoTime());
        h.client().pods().resource(pod(name, "Always", sh("main", "trap 'exit 0' TERM; while true; do sleep 1; done"))
            .editSpec().withTerminationGracePeriodSeconds(2L).endSpec().build()).create();
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (running.size() < n && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      List<Long> ms = new ArrayList<>();
      for (var e : created.entrySet()) {
        Long r = running.get(e.getKey());
        if (r != null) {
          ms.add(TimeUnit.NANOSECONDS.toMillis(r - e.getValue()));
        }
      }
      ms.sort(null);
      long t0 = System.nanoTime();
      h.client().pods().inNamespace("default").delete();
      while (!h.client().pods().inNamespace("default").list().getItems().isEmpty()
          && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(3)) {
        Thread.sleep(100);
      }
      long teardown = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      watch.close();
      System.out.printf("pods=%d rate=%d/s running=%d p50=%dms p90=%dms p99=%dms max=%dms teardownAll=%dms runtime=%s%n", n, rate,
          ms.size(), pct(ms, 50), pct(ms, 90), pct(ms, 99), ms.isEmpty() ? -1 : ms.get(ms.size() - 1), teardown,
          h.config.runtimePath().getFileName());
    }
    System.exit(0);
  }

  static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }
}
