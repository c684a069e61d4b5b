package io.jk.apiserver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jk.apiserver.storage.sqlite.SqliteStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite on a real SQLite file, plus what only the embedded store does. */
class SqliteStoreTest extends StoreConformanceTest {

  @TempDir
  Path dir;

  @Override
  protected Store newStore(StoreOptions options) {
    return StoreFactory.open("sqlite://" + dir.resolve("state.db"), options);
  }

  @Test
  void reopeningContinuesTheRevisionCounterAndKeepsData() throws Exception {
    KeyValue a = get(store.create(p + "a", b("1")));
    get(store.delete(p + "a", 0));
    KeyValue c = get(store.create(p + "c", b("3")));
    store.close();
    store = newStore();
    assertEquals(c.modRevision(), (long) get(store.currentRevision()));
    assertEquals("3", s(get(store.get(p + "c")).value()));
    assertNull(get(store.get(p + "a")));
    KeyValue d = get(store.create(p + "d", b("4")));
    assertEquals(c.modRevision() + 1, d.modRevision());
    assertEquals(a.modRevision() + 2, c.modRevision());
  }

  @Test
  void secondStoreOnTheSameFileIsRefused() {
    StoreException e = assertThrows(StoreException.class, () -> newStore());
    assertEquals(true, e.getMessage().contains("already open"), e.getMessage());
  }

  @Test
  void fileIsInWalModeWithFullSync() throws Exception {
    get(store.create(p + "a", b("1")));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ((SqliteStore) store).path());
        ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertEquals("wal", rs.getString(1));
    }
  }

  @Test
  void compactionInChunksRemovesEveryDeadRowFromTheFile() throws Exception {
    int n = 6_000;
    List<io.vertx.core.Future<KeyValue>> creates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      creates.add(store.create(p + "tmp" + i, b("x")));
    }
    creates.forEach(StoreConformanceTest::get);
    List<io.vertx.core.Future<KeyValue>> deletes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      deletes.add(store.delete(p + "tmp" + i, 0));
    }
    deletes.forEach(StoreConformanceTest::get);
    KeyValue kept = get(store.create(p + "kept", b("1")));
    KeyValue kept2 = get(store.update(p + "kept", b("2"), kept.modRevision()));
    long target = get(store.currentRevision());
    assertEquals(2L * n + 2, target);

    get(store.compact(target));
    assertEquals(target, store.compactedRevision());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ((SqliteStore) store).path());
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*), MIN(id) FROM log")) {
      rs.next();
      assertEquals(1, rs.getInt(1), "only the current version of the one live key is left");
      assertEquals(kept2.modRevision(), rs.getLong(2));
    }
    assertEquals("2", s(get(store.get(p + "kept")).value()));
    // The counter survives compaction of the newest rows and a reopen.
    store.close();
    store = newStore();
    assertEquals(target, (long) get(store.currentRevision()));
    assertEquals(target, store.compactedRevision());
    assertEquals(target + 1, get(store.create(p + "next", b("n"))).modRevision());
  }

  @Test
  void emptyAndUnusualPrefixesListAndWatchTheRightKeys() {
    get(store.create("/a", b("1")));
    get(store.create("/b\uffff", b("2")));
    get(store.create("/b\uffffx", b("3")));
    get(store.create("/c", b("4")));
    assertEquals(4, get(store.list("", null, 0, 0)).items().size(), "the empty prefix is every key");
    assertEquals(List.of("/b\uffff", "/b\uffffx"),
        get(store.list("/b\uffff", null, 0, 0)).items().stream().map(KeyValue::key).toList());
    StoreConformanceTest.Recorder r = new StoreConformanceTest.Recorder();
    try (Watch w = store.watch("", 0, r)) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 4);
    }
  }

  @Test
  void badEndpointsAreRejectedClearly() {
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("", StoreOptions.defaults()));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("sqlite://", StoreOptions.defaults()));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("mysql://x", StoreOptions.defaults()));
  }
}
