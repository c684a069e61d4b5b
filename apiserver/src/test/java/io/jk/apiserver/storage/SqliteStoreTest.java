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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite on a real SQLite file, plus what only the embedded store does. */
class SqliteStoreTest extends StoreConformanceTest {

  @TempDir
  Path dir;

  @Override
  protected Store newStore() {
    return StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
  }

  @Test
  void reopeningContinuesTheRevisionCounterAndKeepsData() {
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
    StoreException e = assertThrows(StoreException.class, this::newStore);
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
  void automaticCompactionKeepsTheConfiguredWindow() {
    store.close();
    store = StoreFactory.open("sqlite://" + dir.resolve("auto.db"),
        StoreOptions.defaults().withCompaction(Duration.ofMillis(100), 5));
    for (int i = 0; i < 20; i++) {
      get(store.create(p + i, b("v")));
    }
    long cur = get(store.currentRevision());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> store.compactedRevision() == cur - 5);
    failure(store.list(p, null, 0, cur - 6), StoreException.Compacted.class);
    assertEquals(20, get(store.list(p, null, 0, 0)).items().size());
  }

  @Test
  void badEndpointsAreRejectedClearly() {
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("", StoreOptions.defaults()));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("sqlite://", StoreOptions.defaults()));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("mysql://x", StoreOptions.defaults()));
  }
}
