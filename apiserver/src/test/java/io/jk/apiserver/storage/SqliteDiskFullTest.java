package io.jk.apiserver.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store on a full disk (a small ext4 image mounted on a loop device): writes fail with a
 * plain {@link StoreException}, reads go on, nothing acknowledged is lost, the file stays intact,
 * and writes work again once space is freed.
 */
class SqliteDiskFullTest {

  @TempDir
  Path dir;

  @Test
  void fullDiskFailsWritesCleanlyAndRecovers() throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    Assumptions.assumeTrue(root, "mounting a loop device needs root");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")), "mkfs.ext4 is not installed");
    Path image = dir.resolve("disk.img");
    Path mnt = Files.createDirectory(dir.resolve("mnt"));
    try (OutputStream out = Files.newOutputStream(image)) {
      out.write(new byte[16 << 20]);
    }
    run("/usr/sbin/mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
    run("mount", "-o", "loop", image.toString(), mnt.toString());
    try {
      Path filler = mnt.resolve("filler");
      try (OutputStream out = Files.newOutputStream(filler)) {
        out.write(new byte[4 << 20]);
      }
      String endpoint = "sqlite://" + mnt.resolve("state.db");
      List<String> acked = new ArrayList<>();
      byte[] value = new byte[8 << 10];
      StoreException failure = null;
      try (Store store = StoreFactory.open(endpoint, StoreOptions.defaults())) {
        for (int i = 0; i < 5_000 && failure == null; i++) {
          try {
            StoreConformanceTest.get(store.create("/registry/full/k" + i, value));
            acked.add("/registry/full/k" + i);
          } catch (StoreException e) {
            failure = e;
          }
        }
        assertNotNull(failure, "the disk filled up");
        assertEquals(StoreException.class, failure.getClass(), "a full disk is an unknown outcome, not a conflict");
        assertTrue(acked.size() > 100, "writes worked before the disk filled: " + acked.size());
        assertNotNull(StoreConformanceTest.get(store.get(acked.get(0))), "reads still work");

        Files.delete(filler);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
          StoreConformanceTest.get(store.create("/registry/full/after-" + System.nanoTime(), new byte[10]));
          return true;
        });
      }
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + mnt.resolve("state.db"));
          ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
        assertTrue(rs.next());
        assertEquals("ok", rs.getString(1));
      }
      try (Store store = StoreFactory.open(endpoint, StoreOptions.defaults())) {
        ListResult all = StoreConformanceTest.get(store.list("/registry/full/k", null, 0, 0));
        List<String> keys = all.items().stream().map(KeyValue::key).toList();
        assertTrue(keys.containsAll(acked), "every acknowledged write survived the full disk");
      }
    } finally {
      run("umount", mnt.toString());
    }
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
