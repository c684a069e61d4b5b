package io.jk.apiserver.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} backend must have; one subclass per backend supplies the store.
 * Keys live under a prefix unique to each test, so backends may share one server between tests.
 */
public abstract class StoreConformanceTest {

  protected Store store;
  protected String p;

  /** A fresh store (or a fresh client of a shared server) with these options. */
  protected abstract Store newStore(StoreOptions options) throws Exception;

  /** A fresh store with the default options. */
  protected Store newStore() throws Exception {
    return newStore(StoreOptions.defaults());
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
    p = "/registry/t" + System.nanoTime() + "/";
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  // ---- helpers ----

  protected static <T> T get(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected static <E extends Throwable> E failure(Future<?> f, Class<E> type) {
    try {
      Object v = f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected " + type.getSimpleName() + " but succeeded with " + v);
    } catch (ExecutionException e) {
      return assertInstanceOf(type, e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  protected static String s(byte[] v) {
    return new String(v, UTF_8);
  }

  private static List<String> keys(ListResult r) {
    List<String> out = new ArrayList<>();
    r.items().forEach(kv -> out.add(kv.key()));
    return out;
  }

  /** Collects watch events and errors. */
  static final class Recorder implements WatchListener {
    final List<WatchEvent> events = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean overlapped;
    private volatile boolean inside;

    @Override
    public void onEvents(List<WatchEvent> batch) {
      if (inside) {
        overlapped = true;
      }
      inside = true;
      events.addAll(batch);
      inside = false;
    }

    @Override
    public void onError(Throwable e) {
      error.set(e);
    }

    List<Long> revisions() {
      synchronized (events) {
        List<Long> out = new ArrayList<>();
        events.forEach(e -> out.add(e.revision()));
        return out;
      }
    }
  }

  // ---- tests ----

  @Test
  void createStoresOnlyIfAbsent() {
    long before = get(store.currentRevision());
    KeyValue kv = get(store.create(p + "a", b("one")));
    assertTrue(kv.modRevision() > before, "revision grows");
    assertEquals(kv.modRevision(), kv.createRevision());
    assertEquals(kv.modRevision(), (long) get(store.currentRevision()));

    failure(store.create(p + "a", b("two")), StoreException.KeyExists.class);
    KeyValue now = get(store.get(p + "a"));
    assertEquals("one", s(now.value()), "a failed create leaves the value");
    assertEquals(kv.modRevision(), now.modRevision());
    assertNull(get(store.get(p + "missing")));
  }

  @Test
  void updateIsCompareAndSwapOnModRevision() {
    KeyValue v1 = get(store.create(p + "a", b("1")));
    KeyValue v2 = get(store.update(p + "a", b("2"), v1.modRevision()));
    assertTrue(v2.modRevision() > v1.modRevision());
    assertEquals(v1.createRevision(), v2.createRevision(), "createRevision stays");

    StoreException.Conflict c = failure(store.update(p + "a", b("3"), v1.modRevision()),
        StoreException.Conflict.class);
    assertNotNull(c.current(), "conflict carries the current value");
    assertEquals("2", s(c.current().value()));
    assertEquals(v2.modRevision(), c.current().modRevision());
    assertEquals("2", s(get(store.get(p + "a")).value()));

    failure(store.update(p + "nope", b("x"), 1), StoreException.NotFound.class);
  }

  @Test
  void deleteHonoursPrecondition() {
    KeyValue v1 = get(store.create(p + "a", b("1")));
    StoreException.Conflict c = failure(store.delete(p + "a", v1.modRevision() + 1000),
        StoreException.Conflict.class);
    assertEquals("1", s(c.current().value()));

    KeyValue gone = get(store.delete(p + "a", v1.modRevision()));
    assertEquals("1", s(gone.value()), "delete returns the last value");
    assertTrue(gone.modRevision() > v1.modRevision(), "delete has its own revision");
    assertNull(get(store.get(p + "a")));
    failure(store.delete(p + "a", 0), StoreException.NotFound.class);

    KeyValue again = get(store.create(p + "a", b("new")));
    assertEquals(again.modRevision(), again.createRevision(), "a re-created key is a new key");
    get(store.delete(p + "a", 0));
    assertNull(get(store.get(p + "a")));
  }

  @Test
  void racingWritesOnOneKeyHaveExactlyOneWinner() {
    // Sent without waiting, so a batching backend gets them in one batch.
    List<Future<KeyValue>> creates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      creates.add(store.create(p + "k", b("c" + i)));
    }
    KeyValue created = single(creates, StoreException.KeyExists.class);
    assertEquals(s(created.value()), s(get(store.get(p + "k")).value()));

    List<Future<KeyValue>> updates = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      updates.add(store.update(p + "k", b("u" + i), created.modRevision()));
    }
    KeyValue updated = single(updates, StoreException.Conflict.class);
    for (Future<KeyValue> f : updates) {
      if (f.failed()) {
        assertEquals(updated.modRevision(), ((StoreException.Conflict) f.cause()).current().modRevision(),
            "losers see the winner's version");
      }
    }
    List<Future<KeyValue>> deletes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      deletes.add(store.delete(p + "k", updated.modRevision()));
    }
    single(deletes, StoreException.NotFound.class);
    assertNull(get(store.get(p + "k")));
  }

  private static KeyValue single(List<Future<KeyValue>> futures, Class<? extends StoreException> loserType) {
    KeyValue winner = null;
    for (Future<KeyValue> f : futures) {
      try {
        KeyValue kv = get(f);
        assertNull(winner, "only one write wins");
        winner = kv;
      } catch (StoreException e) {
        assertInstanceOf(loserType, e);
      }
    }
    assertNotNull(winner, "one write wins");
    return winner;
  }

  @Test
  void listReadsAPastRevision() {
    get(store.create(p + "a", b("a1")));
    KeyValue b1 = get(store.create(p + "b", b("b1")));
    long rev1 = b1.modRevision();
    KeyValue a2 = get(store.update(p + "a", b("a2"), get(store.get(p + "a")).modRevision()));
    get(store.delete(p + "b", 0));
    get(store.create(p + "c", b("c1")));

    ListResult then = get(store.list(p, null, 0, rev1));
    assertEquals(List.of(p + "a", p + "b"), keys(then));
    assertEquals("a1", s(then.items().get(0).value()));
    assertEquals(rev1, then.revision());

    ListResult now = get(store.list(p, null, 0, 0));
    assertEquals(List.of(p + "a", p + "c"), keys(now));
    assertEquals("a2", s(now.items().get(0).value()));
    assertEquals(a2.modRevision(), now.items().get(0).modRevision());
    assertEquals(get(store.currentRevision()), now.revision());

    long future = get(store.currentRevision()) + 1000;
    failure(store.list(p, null, 0, future), StoreException.FutureRevision.class);
  }

  @Test
  void listPagesWithStartAfterAndLimit() {
    for (String k : List.of("e", "a", "d", "c", "b")) {
      get(store.create(p + k, b(k)));
    }
    // Neighbours that share the prefix's characters but not the prefix.
    get(store.create(p.substring(0, p.length() - 1) + "x", b("outside")));
    get(store.create(p.substring(0, p.length() - 1), b("outside")));

    List<String> seen = new ArrayList<>();
    String after = null;
    long rev = 0;
    int pages = 0;
    while (true) {
      ListResult page = get(store.list(p, after, 2, rev));
      rev = page.revision();
      pages++;
      seen.addAll(keys(page));
      if (!page.more()) {
        break;
      }
      assertEquals(2, page.items().size());
      after = page.items().get(page.items().size() - 1).key();
      // A write between pages is not seen by the later pages of the same revision.
      get(store.create(p + "a" + pages, b("late")));
    }
    assertEquals(List.of(p + "a", p + "b", p + "c", p + "d", p + "e"), seen);
    assertEquals(3, pages);
    ListResult exact = get(store.list(p, p + "c", 2, rev));
    assertEquals(List.of(p + "d", p + "e"), keys(exact));
    assertFalse(exact.more(), "no more after the last key");
  }

  @Test
  void watchDeliversInOrderAndResumesFromARevision() {
    long start = get(store.currentRevision());
    KeyValue a = get(store.create(p + "a", b("1")));
    KeyValue a2 = get(store.update(p + "a", b("2"), a.modRevision()));
    get(store.create("/other" + p + "x", b("not watched")));
    KeyValue del = get(store.delete(p + "a", 0));

    Recorder all = new Recorder();
    Recorder resumed = new Recorder();
    try (Watch w1 = store.watch(p, start, all); Watch w2 = store.watch(p, a2.modRevision(), resumed)) {
      KeyValue b = get(store.create(p + "b", b("live")));
      await().atMost(Duration.ofSeconds(10)).until(() -> all.events.size() >= 4 && resumed.events.size() >= 2);

      assertEquals(List.of(a.modRevision(), a2.modRevision(), del.modRevision(), b.modRevision()), all.revisions());
      List<WatchEvent> ev = all.events;
      assertEquals(WatchEvent.Type.CREATE, ev.get(0).type());
      assertNull(ev.get(0).prevKv());
      assertEquals(WatchEvent.Type.UPDATE, ev.get(1).type());
      assertEquals("1", s(ev.get(1).prevKv().value()));
      assertEquals("2", s(ev.get(1).kv().value()));
      assertEquals(WatchEvent.Type.DELETE, ev.get(2).type());
      assertEquals("2", s(ev.get(2).prevKv().value()));
      assertEquals(WatchEvent.Type.CREATE, ev.get(3).type());

      assertEquals(List.of(del.modRevision(), b.modRevision()), resumed.revisions(), "resume gets only later events");
      assertNull(all.error.get());
      assertFalse(all.overlapped);
    }
  }

  @Test
  void resultsArriveOnTheCallersVertxContext() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.Context ctx = vertx.getOrCreateContext();
      java.util.concurrent.CompletableFuture<List<Boolean>> onContext = new java.util.concurrent.CompletableFuture<>();
      ctx.runOnContext(v -> {
        List<Boolean> seen = Collections.synchronizedList(new ArrayList<>());
        store.create(p + "ctx", b("1"))
            .onComplete(ar -> seen.add(io.vertx.core.Vertx.currentContext() == ctx))
            .compose(kv -> store.create(p + "ctx", b("again")))
            .onComplete(ar -> seen.add(io.vertx.core.Vertx.currentContext() == ctx && ar.failed()))
            .recover(e -> store.get(p + "ctx"))
            .compose(kv -> store.list(p, null, 0, 0))
            .onComplete(ar -> {
              seen.add(io.vertx.core.Vertx.currentContext() == ctx && ar.succeeded());
              onContext.complete(seen);
            });
      });
      assertEquals(List.of(true, true, true), onContext.get(30, TimeUnit.SECONDS),
          "success, failure and read callbacks all run on the caller's context");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void compactionRacingWatchesNeverLeavesAGap() throws Exception {
    // Watches start from revisions that a concurrent compaction is removing: each either gets
    // Compacted, or every event after its start revision with no gap.
    List<Long> revs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      revs.add(get(store.create(p + "k" + (i % 5) + "-" + i, b("v"))).modRevision());
    }
    long end = revs.get(revs.size() - 1);
    List<Recorder> recorders = new ArrayList<>();
    List<Watch> watches = new ArrayList<>();
    try {
      Future<Void> compaction = store.compact(revs.get(15));
      for (int i = 0; i < revs.size(); i += 2) {
        Recorder r = new Recorder();
        recorders.add(r);
        watches.add(store.watch(p, revs.get(i), r));
      }
      get(compaction);
      int compactedCount = 0;
      for (int w = 0; w < recorders.size(); w++) {
        Recorder r = recorders.get(w);
        long from = revs.get(w * 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> r.error.get() != null
            || (!r.events.isEmpty() && r.revisions().get(r.revisions().size() - 1) == end) || from == end);
        if (r.error.get() != null) {
          assertInstanceOf(StoreException.Compacted.class, r.error.get());
          compactedCount++;
        } else {
          assertEquals(revs.subList(w * 2 + 1, revs.size()), r.revisions(), "watch from " + from);
        }
      }
      assertTrue(compactedCount > 0 || store.compactedRevision() >= revs.get(15));
    } finally {
      watches.forEach(Watch::close);
    }
  }

  @Test
  void closedWatchGetsNothingMore() {
    Recorder r = new Recorder();
    Watch w = store.watch(p, get(store.currentRevision()), r);
    get(store.create(p + "a", b("1")));
    await().atMost(Duration.ofSeconds(10)).until(() -> r.events.size() == 1);
    w.close();
    get(store.create(p + "b", b("2")));
    Recorder later = new Recorder();
    try (Watch w2 = store.watch(p, get(store.currentRevision()) - 1, later)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> later.events.size() == 1);
    }
    assertEquals(1, r.events.size(), "no event after close");
  }

  @Test
  void compactionKeepsCurrentValuesAndExpiresOldRevisions() {
    KeyValue old = get(store.create(p + "old", b("kept")));
    KeyValue a = get(store.create(p + "a", b("1")));
    KeyValue a2 = get(store.update(p + "a", b("2"), a.modRevision()));
    get(store.create(p + "gone", b("x")));
    get(store.delete(p + "gone", 0));
    long compactAt = get(store.currentRevision());
    get(store.create(p + "after", b("y")));

    get(store.compact(compactAt));
    assertTrue(store.compactedRevision() >= compactAt);

    ListResult now = get(store.list(p, null, 0, 0));
    assertEquals(List.of(p + "a", p + "after", p + "old"), keys(now));
    assertEquals("2", s(get(store.get(p + "a")).value()));
    assertEquals(old.modRevision(), get(store.get(p + "old")).modRevision());
    assertArrayEquals(b("kept"), get(store.get(p + "old")).value());

    ListResult atCompact = get(store.list(p, null, 0, compactAt));
    assertEquals(List.of(p + "a", p + "old"), keys(atCompact), "the compacted revision itself stays readable");

    failure(store.list(p, null, 0, a2.modRevision() - 1), StoreException.Compacted.class);

    Recorder r = new Recorder();
    try (Watch w = store.watch(p, a.modRevision(), r)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> r.error.get() != null);
      StoreException.Compacted c = assertInstanceOf(StoreException.Compacted.class, r.error.get());
      assertTrue(c.compacted() >= compactAt);
      assertTrue(r.events.isEmpty());
    }
    // Watching from the compacted revision still works and sees the later write.
    Recorder ok = new Recorder();
    try (Watch w = store.watch(p, compactAt, ok)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> ok.events.size() == 1);
      assertEquals(p + "after", ok.events.get(0).kv().key());
      assertNull(ok.error.get());
    }
  }

  @Test
  void automaticCompactionKeepsTheConfiguredWindow() throws Exception {
    store.close();
    store = newStore(StoreOptions.defaults().withCompaction(Duration.ofMillis(100), 5));
    for (int i = 0; i < 20; i++) {
      get(store.create(p + i, b("v")));
    }
    long cur = get(store.currentRevision());
    await().atMost(Duration.ofSeconds(10)).until(() -> store.compactedRevision() == cur - 5);
    failure(store.list(p, null, 0, cur - 6), StoreException.Compacted.class);
    assertEquals(15, get(store.list(p, null, 0, cur - 5)).items().size(), "the oldest kept revision is readable");
    assertEquals(20, get(store.list(p, null, 0, 0)).items().size());
  }

  @Test
  void concurrentCompareAndSwapIncrementsLoseNothing() throws Exception {
    int writers = 8;
    int each = 25;
    String key = p + "counter";
    get(store.create(key, b("0")));
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        results.add(pool.submit(() -> {
          int conflicts = 0;
          for (int i = 0; i < each; i++) {
            KeyValue cur = get(store.get(key));
            while (true) {
              int next = Integer.parseInt(s(cur.value())) + 1;
              try {
                get(store.update(key, b(Integer.toString(next)), cur.modRevision()));
                break;
              } catch (StoreException.Conflict c) {
                conflicts++;
                cur = c.current();
              }
            }
          }
          return conflicts;
        }));
      }
      int conflicts = 0;
      for (var r : results) {
        conflicts += r.get(60, TimeUnit.SECONDS);
      }
      assertEquals(writers * each, Integer.parseInt(s(get(store.get(key)).value())),
          "every increment counted once (conflicts retried: " + conflicts + ")");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void watcherSeesEveryRevisionOnceInOrderDuringConcurrentWrites() throws Exception {
    Recorder r = new Recorder();
    long start = get(store.currentRevision());
    int writers = 8;
    int each = 40;
    Set<Long> acked = Collections.synchronizedSet(new TreeSet<>());
    // More watchers join from the start revision while the writes run: each replays the history,
    // then follows live, and must see neither a gap nor a duplicate at the seam.
    List<Recorder> recorders = new ArrayList<>(List.of(r));
    List<Watch> watches = new ArrayList<>();
    try {
      watches.add(store.watch(p, start, r));
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      try {
        List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < writers; t++) {
          int id = t;
          fs.add(pool.submit(() -> {
            for (int i = 0; i < each; i++) {
              String k = p + "w" + id + "-" + i;
              KeyValue kv = get(store.create(k, b("v")));
              acked.add(kv.modRevision());
              if (i % 3 == 0) {
                acked.add(get(store.update(k, b("v2"), kv.modRevision())).modRevision());
              }
            }
          }));
        }
        while (recorders.size() < 40 && fs.stream().anyMatch(f -> !f.isDone())) {
          Recorder late = new Recorder();
          recorders.add(late);
          watches.add(store.watch(p, start, late));
          java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        for (var f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      int total = acked.size();
      assertTrue(recorders.size() > 2, "watchers joined during the writes");
      await().atMost(Duration.ofSeconds(20)).until(() -> recorders.stream().allMatch(x -> x.events.size() >= total));
      for (Recorder rec : recorders) {
        List<Long> revs = rec.revisions();
        for (int i = 1; i < revs.size(); i++) {
          if (revs.get(i) <= revs.get(i - 1)) {
            fail("revisions not strictly increasing at " + i + ": " + revs.get(i - 1) + " then " + revs.get(i));
          }
        }
        assertEquals(new ArrayList<>(acked), revs, "exactly the acknowledged revisions");
        assertNull(rec.error.get());
        assertFalse(rec.overlapped, "listener calls never overlap");
      }
    } finally {
      watches.forEach(Watch::close);
    }
  }
}
