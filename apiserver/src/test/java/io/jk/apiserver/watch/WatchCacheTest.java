package io.jk.apiserver.watch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch cache over a real SQLite store: read-your-writes, no gap or duplicate at the list/watch seam, 410. */
class WatchCacheTest {

  static final String PREFIX = "/registry/configmaps/default/";

  @TempDir
  Path dir;
  Vertx vertx;
  Store store;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aListRightAfterAWriteSeesIt() throws Exception {
    WatchCache cache = new WatchCache(store, vertx, 1000);
    get(cache.start());
    for (int i = 0; i < 30; i++) {
      get(cache.create(PREFIX + "ryw" + i, bytes("{}")));
      ListResult l = get(cache.list(PREFIX, null, 0, 0));
      assertEquals(i + 1, l.items().size());
    }
    assertTrue(cache.served() >= 30, "lists were served from memory");
    cache.close();
  }

  @Test
  void watchersJoiningDuringWritesSeeEveryKeyExactlyOnce() throws Exception {
    WatchCache cache = new WatchCache(store, vertx, 10_000);
    get(cache.start());
    int n = 100;
    AtomicReference<Future<KeyValue>> chain = new AtomicReference<>(Future.succeededFuture());
    Thread writer = new Thread(() -> {
      for (int i = 0; i < n; i++) {
        int k = i;
        chain.set(chain.get().compose(v -> cache.create(PREFIX + "k" + k, bytes("{}"))));
      }
    });
    List<List<String>> seen = new ArrayList<>();
    writer.start();
    for (int w = 0; w < 8; w++) {
      ListResult l = get(cache.list(PREFIX, null, 0, 0));
      List<String> mine = new CopyOnWriteArrayList<>();
      l.items().forEach(kv -> mine.add(kv.key()));
      cache.watch(PREFIX, l.revision(), new WatchListener() {
        @Override
        public void onEvents(List<WatchEvent> events) {
          events.forEach(e -> mine.add(e.kv().key()));
        }

        @Override
        public void onError(Throwable error) {
          mine.add("ERROR " + error);
        }
      });
      seen.add(mine);
      Thread.onSpinWait();
    }
    writer.join();
    get(chain.get());
    for (List<String> mine : seen) {
      await().atMost(Duration.ofSeconds(10)).until(() -> mine.size() >= n);
      assertEquals(n, mine.size(), "no duplicates");
      assertEquals(n, new HashSet<>(mine).size());
    }
    cache.close();
  }

  @Test
  void aRevisionOlderThanTheBufferIsCompactedAndRecentOnesReplayInOrder() throws Exception {
    WatchCache cache = new WatchCache(store, vertx, 3);
    get(cache.start());
    List<Long> revs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      revs.add(get(cache.create(PREFIX + "r" + i, bytes("{}"))).modRevision());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.revision() >= revs.get(5));
    AtomicReference<Throwable> err = new AtomicReference<>();
    cache.watch(PREFIX, revs.get(0), new WatchListener() {
      @Override
      public void onEvents(List<WatchEvent> events) {}

      @Override
      public void onError(Throwable error) {
        err.set(error);
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> err.get() != null);
    assertInstanceOf(StoreException.Compacted.class, err.get());

    List<String> replay = new CopyOnWriteArrayList<>();
    cache.watch(PREFIX, revs.get(3), new WatchListener() {
      @Override
      public void onEvents(List<WatchEvent> events) {
        events.forEach(e -> replay.add(e.kv().key().substring(PREFIX.length())));
      }

      @Override
      public void onError(Throwable error) {
        replay.add("ERROR");
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> replay.size() >= 2);
    assertEquals(List.of("r4", "r5"), replay);
    cache.close();
  }
}
