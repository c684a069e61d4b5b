package io.jk.apiserver.storage;

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
    Map<String, Long> acked = killLoop(endpoint, "/registry/kill/");

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
      assertTrue(rs.next());
      assertEquals("ok", rs.getString(1));
    }
    verify(endpoint, "/registry/kill/", acked);
  }

  @Test
  void etcdBackendKeepsEveryAcknowledgedWriteWhenTheApiProcessDies() throws Exception {
    Assumptions.assumeTrue(LocalEtcd.available(), "etcd is not installed");
    try (LocalEtcd etcd = LocalEtcd.start()) {
      Map<String, Long> acked = killLoop(etcd.endpoint(), "/registry/kill/");
      verify(etcd.endpoint(), "/registry/kill/", acked);
    }
  }

  private Map<String, Long> killLoop(String endpoint, String prefix) throws Exception {
    Map<String, Long> acked = new HashMap<>();
    long lastMaxRevision = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Process child = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
          "-Xmx256m", DurabilityWriterMain.class.getName(), endpoint, prefix + "r" + round + "-",
          Integer.toString(WRITERS))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      List<String[]> lines = new ArrayList<>();
      CompletableFuture<Void> ready = new CompletableFuture<>();
      Thread reader = new Thread(() -> readAcks(child, lines, ready), "ack-reader");
      reader.start();
      try {
        ready.get(30, TimeUnit.SECONDS);
        // Kill somewhere in the middle of heavy writing.
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
        if (line.startsWith("READY ")) {
          ready.complete(null);
        } else if (line.startsWith("ACK ")) {
          String[] parts = line.split(" ");
          // A line cut by the kill has no revision, or a partial one; only whole lines count.
          if (parts.length == 3 && parts[2].matches("\\d+")) {
            synchronized (lines) {
              lines.add(parts);
            }
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
      System.out.printf("durability: %d acknowledged writes over %d kills, %d keys stored%n", acked.size(), ROUNDS,
          stored.size());
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
