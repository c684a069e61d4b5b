package io.jk.apiserver.storage.bench;

import io.jk.testing.etcd.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.PutOption;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Durable-create throughput and latency of the stores (not a test). N client threads each create
 * keys of ~1 KB one after another for a fixed time against: the SQLite store (a file on disk), the
 * etcd store on a local etcd, and raw jetcd puts on the same etcd as the yardstick.
 *
 * <p>Run it with the test classpath that surefire records (the exec plugin is not in the offline
 * Maven repository here; online, {@code mvn -pl apiserver exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.jk.apiserver.storage.bench.StoreBench} works too):
 *
 * <pre>
 * mvn -B -ntp -q -pl apiserver -am verify -Dtest=SqliteStoreTest -Dsurefire.failIfNoSpecifiedTests=false
 * CP=$(grep -o 'surefire.test.class.path" value="[^"]*' \
 *     apiserver/target/surefire-reports/TEST-io.jk.apiserver.storage.SqliteStoreTest.xml | cut -d'"' -f3)
 * java -cp "$CP" io.jk.apiserver.storage.bench.StoreBench --clients 64 --seconds 10 \
 *     --targets sqlite,raw-etcd,etcd,raw-etcd-txn,raw-etcd,etcd
 * </pre>
 *
 * <p>Targets run in the order given (repeat them to average out a busy machine); {@code --dir}
 * picks the directory of the SQLite file (default {@code java.io.tmpdir}, which must be on disk).
 */
public final class StoreBench {

  private StoreBench() {}

  /** One client's operation. */
  public interface Op {
    void run(String key, byte[] value) throws Exception;
  }

  public record Result(String name, long ops, double seconds, long p50Micros, long p99Micros, long maxMicros, long errors) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%-12s %9.0f ops/s  p50 %7.2f ms  p99 %7.2f ms  max %8.2f ms  (%d ops, %d errors)",
          name, ops / seconds, p50Micros / 1000.0, p99Micros / 1000.0, maxMicros / 1000.0, ops, errors);
    }
  }

  public static void main(String[] args) throws Exception {
    int clients = 64;
    int seconds = 10;
    int valueBytes = 1024;
    String targets = "sqlite,etcd,raw-etcd";
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--value-bytes" -> valueBytes = Integer.parseInt(args[i + 1]);
        case "--targets" -> targets = args[i + 1];
        case "--dir" -> dir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'v');
    List<String> which = List.of(targets.split(","));
    List<Result> results = new ArrayList<>();
    System.out.printf("clients=%d seconds=%d valueBytes=%d cpus=%d%n", clients, seconds, valueBytes,
        Runtime.getRuntime().availableProcessors());

    EtcdProcess etcd = which.stream().anyMatch(t -> t.contains("etcd")) ? EtcdProcess.start() : null;
    try {
      // Targets run in the order given, so a run can alternate them to see the machine's noise.
      int round = 0;
      for (String target : which) {
        round++;
        switch (target) {
          case "sqlite" -> {
            Path tmp = Files.createTempDirectory(dir, "jk-bench-");
            try (Store store = StoreFactory.open("sqlite://" + tmp.resolve("bench.db"), StoreOptions.defaults())) {
              results.add(run("sqlite", clients, seconds, value, (k, v) -> await(store.create(k, v))));
            } finally {
              deleteTree(tmp);
            }
          }
          case "etcd" -> {
            String p = "/e" + round;
            try (Store store = StoreFactory.open(etcd.endpoint(), StoreOptions.defaults())) {
              results.add(run("etcd", clients, seconds, value, (k, v) -> await(store.create(p + k, v))));
            }
          }
          case "raw-etcd" -> {
            String p = "/r" + round;
            try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
              KV kv = client.getKVClient();
              results.add(run("raw-etcd", clients, seconds, value, (k, v) ->
                  kv.put(ByteSequence.from(p + k, StandardCharsets.UTF_8), ByteSequence.from(v))
                      .get(30, TimeUnit.SECONDS)));
            }
          }
          case "raw-etcd-txn" -> {
            // The etcd store's create as a bare jetcd transaction: separates etcd's txn cost from ours.
            String p = "/t" + round;
            try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
              KV kv = client.getKVClient();
              results.add(run("raw-etcd-txn", clients, seconds, value, (k, v) -> {
                ByteSequence key = ByteSequence.from(p + k, StandardCharsets.UTF_8);
                kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
                    .Then(io.etcd.jetcd.op.Op.put(key, ByteSequence.from(v), PutOption.DEFAULT))
                    .commit().get(30, TimeUnit.SECONDS);
              }));
            }
          }
          default -> throw new IllegalArgumentException(
              "unknown target " + target + " (sqlite, etcd, raw-etcd, raw-etcd-txn)");
        }
      }
    } finally {
      if (etcd != null) {
        etcd.close();
      }
    }
    System.out.println();
    results.forEach(System.out::println);
    double etcdRate = rate(results, "etcd");
    double rawRate = rate(results, "raw-etcd");
    if (etcdRate > 0 && rawRate > 0) {
      System.out.printf(Locale.ROOT, "etcd store / raw etcd puts = %.0f%%%n", 100.0 * etcdRate / rawRate);
    }
    System.exit(0);
  }

  /** Mean ops/s of every run of {@code name}. */
  private static double rate(List<Result> results, String name) {
    return results.stream().filter(r -> r.name().equals(name)).mapToDouble(r -> r.ops() / r.seconds()).average()
        .orElse(0);
  }

  private static void await(io.vertx.core.Future<?> f) throws Exception {
    f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Result run(String name, int clients, int seconds, byte[] value, Op op) throws Exception {
    // One second of warm-up (JIT, connections), then the measured run.
    measure(name + "-warmup", clients, 1, value, op);
    Result r = measure(name, clients, seconds, value, op);
    System.out.println(r);
    return r;
  }

  public static Result measure(String name, int clients, int seconds, byte[] value, Op op) throws Exception {
    long[][] latencies = new long[clients][];
    int[] counts = new int[clients];
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int id = c;
      Thread t = new Thread(() -> {
        long[] lat = new long[1 << 12];
        int n = 0;
        long seq = 0;
        while (System.nanoTime() < end) {
          String key = "/registry/bench/" + name + "/c" + id + "-" + seq++;
          long t0 = System.nanoTime();
          try {
            op.run(key, value);
          } catch (Exception e) {
            errors.incrementAndGet();
            continue;
          }
          if (n == lat.length) {
            lat = Arrays.copyOf(lat, n * 2);
          }
          lat[n++] = System.nanoTime() - t0;
        }
        latencies[id] = lat;
        counts[id] = n;
      }, "bench-" + id);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int pos = 0;
    for (int c = 0; c < clients; c++) {
      System.arraycopy(latencies[c], 0, all, pos, counts[c]);
      pos += counts[c];
    }
    Arrays.sort(all);
    long p50 = total == 0 ? 0 : all[(int) (total * 0.50)] / 1000;
    long p99 = total == 0 ? 0 : all[Math.min(total - 1, (int) (total * 0.99))] / 1000;
    long max = total == 0 ? 0 : all[total - 1] / 1000;
    return new Result(name, total, elapsed, p50, p99, max, errors.get());
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
