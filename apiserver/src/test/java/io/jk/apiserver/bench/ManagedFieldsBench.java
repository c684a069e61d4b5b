package io.jk.apiserver.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.apiserver.patch.ServerSideApply;
import io.jk.common.json.Json;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.Locale;

/**
 * A micro-benchmark (not a test) of the create path's managedFields bookkeeping on ApiBench's pod:
 * the general {@code recordUpdate(null, ...)} against {@code recordCreateInPlace}, in this thread's
 * CPU time (so a busy machine disturbs it less than wall time), rounds interleaved.
 *
 * <pre>
 * java -cp "$CP" io.jk.apiserver.bench.ManagedFieldsBench [iterations]
 * </pre>
 */
public final class ManagedFieldsBench {

  private ManagedFieldsBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    byte[] body = ApiBench.podJson("bench-1", "0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    PatchSchema schema = PatchSchema.forKind("", "Pod");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int round = 0; round < 4; round++) {
      long[] cpu = new long[3];
      for (int variant = 0; variant < 3; variant++) {
        long t0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
          ObjectNode pod = (ObjectNode) Json.mapper().readTree(body);
          ObjectNode stored = switch (variant) {
            case 0 -> pod;
            case 1 -> ServerSideApply.recordUpdate(null, pod, "bench", null, schema, Instant.now());
            default -> ServerSideApply.recordCreateInPlace(pod, "bench", null, schema, Instant.now());
          };
          sink += Json.mapper().writeValueAsBytes(stored).length;
        }
        cpu[variant] = threads.getCurrentThreadCpuTime() - t0;
      }
      System.out.printf(Locale.ROOT, "round %d: parse+encode %.2f us, + recordUpdate %.2f us, + recordCreateInPlace %.2f us"
              + " (managedFields alone: %.2f us vs %.2f us)%n", round, cpu[0] / 1e3 / n, cpu[1] / 1e3 / n, cpu[2] / 1e3 / n,
          (cpu[1] - cpu[0]) / 1e3 / n, (cpu[2] - cpu[0]) / 1e3 / n);
    }
    System.out.println(sink > 0 ? "" : "-");
  }
}
