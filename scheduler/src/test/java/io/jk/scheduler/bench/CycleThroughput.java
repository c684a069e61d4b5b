package io.jk.scheduler.bench;

import static io.jk.scheduler.PodBuilders.node;
import static io.jk.scheduler.PodBuilders.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.scheduler.Plugins;
import io.jk.scheduler.SchedulerConfig;
import io.jk.scheduler.cache.SchedulerCache;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.PodInfo;

/**
 * The scheduler's own ceiling, without the API server: scheduling cycles (filter, score, pick,
 * assume) per second over N in-memory nodes. Run: {@code scheduler/bench.sh} with main class
 * {@code io.jk.scheduler.bench.CycleThroughput} (see docs in the report), args {@code nodes pods}.
 */
public final class CycleThroughput {
  private CycleThroughput() {}

  /** Entry point: {@code [nodes] [pods]}. */
  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int pods = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
    SchedulerCache cache = new SchedulerCache();
    for (int i = 0; i < nodes; i++) {
      cache.upsertNode(node("n-" + i).capacity("4", "32Gi", "110")
          .label("topology.kubernetes.io/zone", "zone-" + (i % 3)).build());
    }
    Framework fw = Plugins.framework(SchedulerConfig.defaults(), null);
    for (int round = 0; round < 2; round++) { // first round warms up the JIT
      long t0 = System.nanoTime();
      for (int i = 0; i < pods; i++) {
        Pod p = pod("p-" + round + "-" + i).cpu("100m").memory("500Mi").build();
        PodInfo pi = PodInfo.of(p);
        var r = cache.withSnapshot(s -> fw.schedule(new CycleState(), pi, s));
        cache.assume(pi, r.nodeName());
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("round %d: %d nodes, %d pods: %.0f cycles/s%n", round, nodes, pods, pods / secs);
    }
  }
}
