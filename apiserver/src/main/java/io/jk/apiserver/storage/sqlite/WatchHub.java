package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.WatchEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Fans committed batches out to the live watches, on one dispatcher thread so every watch sees
 * batches in commit order and the writer never waits for a listener.
 */
final class WatchHub {

  private final CopyOnWriteArrayList<SqliteWatch> watches = new CopyOnWriteArrayList<>();
  private final ExecutorService dispatcher;

  WatchHub(String name) {
    this.dispatcher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "jk-sqlite-watch-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  void add(SqliteWatch watch) {
    watches.add(watch);
  }

  void remove(SqliteWatch watch) {
    watches.remove(watch);
  }

  int size() {
    return watches.size();
  }

  /** Called by the writer after a commit, events in revision order. */
  void publish(List<WatchEvent> events) {
    dispatcher.execute(() -> {
      for (SqliteWatch w : watches) {
        w.live(events);
      }
    });
  }

  /** Delivers what is queued, then ends every watch with an error saying the store closed. */
  void close() {
    dispatcher.shutdown();
    try {
      dispatcher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (SqliteWatch w : watches) {
      w.fail(new StoreException("store is closed"));
    }
  }
}
