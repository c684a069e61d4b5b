package io.jk.apiserver.storage;

import io.jk.testing.etcd.EtcdProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a writing store process at random moments and checks that nothing it acknowledged is
 * lost: a child JVM ({@link DurabilityWriterMain}) writes with many concurrent writers and prints
 * each acknowledged key; the test kills it by PID several times, restarting it on the same store,
 * then checks every acknowledged key is there with its revision and that revisions kept growing.
 */
class DurabilityKillTest {

  private static final int ROUNDS = 5;
  private static final int WRITERS = 32;

  @TempDir
  Path dir;

  private final Random random = new Random();

  @Test
  void sqliteKeepsEveryAcknowledgedWriteAcrossKills() throws Exception {
    Path db = dir.resolve("kill.db");
    String endpoint = "sqlite://" + db;
    Map<String, Long> acked = killLoop(endpoint, "/registry/kill/", ROUNDS);

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
      assertTrue(rs.next());
      assertEquals("ok", rs.getString(1));
    }
    verify(endpoint, "/registry/kill/", acked);
  }

  @Test
  void etcdBackendKeepsEveryAcknowledgedWriteWhenTheApiProcessDies() throws Exception {
    Assumptions.assumeTrue(EtcdProcess.available(), "etcd is not installed");
    try (EtcdProcess etcd = EtcdProcess.start()) {
      Map<String, Long> acked = killLoop(etcd.endpoint(), "/registry/kill/", 3);
      verify(etcd.endpoint(), "/registry/kill/", acked);
    }
  }

  @Test
  void sqliteCompareAndSwapCountersNeverLoseAnAcknowledgedIncrement() throws Exception {
    Path db = dir.resolve("cas.db");
    String endpoint = "sqlite://" + db;
    Map<String, List<long[]>> acks = new HashMap<>();
    long lastMax = 0;
    for (int round = 0; round < 3; round++) {
      List<String[]> lines = runAndKill(endpoint, "/registry/cas/", "cas");
      long roundMin = Long.MAX_VALUE;
      long roundMax = 0;
      for (String[] l : lines) {
        long rev = Long.parseLong(l[3]);
        acks.computeIfAbsent(l[1], k -> new ArrayList<>()).add(new long[] {Long.parseLong(l[2]), rev});
        roundMin = Math.min(roundMin, rev);
        roundMax = Math.max(roundMax, rev);
      }
      assertTrue(lines.size() > 0, "increments acknowledged in round " + round);
      assertTrue(roundMin > lastMax, "revisions continue after a restart");
      lastMax = roundMax;
    }
    System.out.printf("cas: %d acknowledged increments on %d counters over 3 kills%n",
        acks.values().stream().mapToInt(List::size).sum(), acks.size());
    try (Store store = StoreFactory.open(endpoint, StoreOptions.defaults())) {
      for (Map.Entry<String, List<long[]>> e : acks.entrySet()) {
        List<long[]> incs = e.getValue();
        // Two acknowledged increments with one value would be a lost update.
        long distinct = incs.stream().mapToLong(v -> v[0]).distinct().count();
        assertEquals(incs.size(), distinct, "every acknowledged increment of " + e.getKey() + " is unique");
        // Along revisions, an increment's value grows with its revision (a linear history).
        incs.sort((a, b) -> Long.compare(a[1], b[1]));
        for (int i = 1; i < incs.size(); i++) {
          assertTrue(incs.get(i)[0] > incs.get(i - 1)[0], e.getKey() + " values follow revisions");
        }
        KeyValue now = StoreConformanceTest.get(store.get(e.getKey()));
        long max = incs.get(incs.size() - 1)[0];
        assertTrue(Long.parseLong(new String(now.value(), StandardCharsets.UTF_8)) >= max,
            "the counter kept its acknowledged increments");
      }
    }
  }

  private List<String[]> runAndKill(String endpoint, String prefix, String mode) throws Exception {
    Process child = new ProcessBuilder(javaBinary(), "-Dvertx.disableFileCPResolving=true", "-Dorg.sqlite.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
        "-Xmx256m", DurabilityWriterMain.class.getName(), endpoint, prefix, Integer.toString(WRITERS), mode)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    List<String[]> lines = new ArrayList<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("CAS ")) {
            String[] parts = line.split(" ");
            if (parts.length == 4 && parts[2].matches("\\d+") && parts[3].matches("\\d+")) {
              synchronized (lines) {
                lines.add(parts);
              }
              ready.complete(null);
            }
          }
        }
      } catch (IOException e) {
        // The pipe closes when the child dies.
      } finally {
        ready.complete(null);
      }
    }, "cas-reader");
    reader.start();
    try {
      ready.get(60, TimeUnit.SECONDS);
      Thread.sleep(200 + random.nextInt(800));
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child died");
      reader.join(30_000);
    }
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }

  private Map<String, Long> killLoop(String endpoint, String prefix, int rounds) throws Exception {
    Map<String, Long> acked = new HashMap<>();
    long lastMaxRevision = 0;
    for (int round = 0; round < rounds; round++) {
      Process child = new ProcessBuilder(javaBinary(), "-Dvertx.disableFileCPResolving=true", "-Dorg.sqlite.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
          "-Xmx256m", DurabilityWriterMain.class.getName(), endpoint, prefix + "r" + round + "-",
          Integer.toString(WRITERS))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      List<String[]> lines = new ArrayList<>();
      CompletableFuture<Void> ready = new CompletableFuture<>();
      Thread reader = new Thread(() -> readAcks(child, lines, ready), "ack-reader");
      reader.start();
      try {
        // Once writes are being acknowledged, kill somewhere in the middle of heavy writing.
        ready.get(60, TimeUnit.SECONDS);
        Thread.sleep(200 + random.nextInt(800));
      } finally {
        child.destroyForcibly(); // SIGKILL to this PID
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child died");
        reader.join(30_000);
      }
      long roundMin = Long.MAX_VALUE;
      long roundMax = 0;
      synchronized (lines) {
        for (String[] l : lines) {
          long rev = Long.parseLong(l[2]);
          acked.put(l[1], rev);
          roundMin = Math.min(roundMin, rev);
          roundMax = Math.max(roundMax, rev);
        }
      }
      assertTrue(lines.size() > 0, "round " + round + " acknowledged writes before the kill");
      assertTrue(roundMin > lastMaxRevision, "revisions continue after a restart (round " + round + ")");
      lastMaxRevision = roundMax;
    }
    return acked;
  }

  private static void readAcks(Process child, List<String[]> lines, CompletableFuture<Void> ready) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          String[] parts = line.split(" ");
          // A line cut by the kill has no revision, or a partial one; only whole lines count.
          if (parts.length == 3 && parts[2].matches("\\d+")) {
            synchronized (lines) {
              lines.add(parts);
            }
            ready.complete(null);
          }
        }
      }
    } catch (IOException e) {
      // The pipe closes when the child dies.
    } finally {
      ready.complete(null);
    }
  }

  private static void verify(String endpoint, String prefix, Map<String, Long> acked) {
    try (Store store = StoreFactory.open(endpoint, StoreOptions.defaults())) {
      ListResult all = StoreConformanceTest.get(store.list(prefix, null, 0, 0));
      Map<String, Long> stored = new HashMap<>();
      all.items().forEach(kv -> stored.put(kv.key(), kv.modRevision()));
      int missing = 0;
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        Long rev = stored.get(e.getKey());
        if (rev == null || !rev.equals(e.getValue())) {
          missing++;
        }
      }
      assertEquals(0, missing, "acknowledged writes lost or changed, out of " + acked.size());
      assertNotNull(all);
      System.out.printf("durability: %s: %d acknowledged writes, %d keys stored%n", endpoint, acked.size(),
          stored.size());
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
