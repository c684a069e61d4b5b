package io.jk.apiserver.watch;

import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's watch cache: a {@link Store} whose reads at the latest revision and whose
 * watches are served from memory, fed by one store watch over {@code /registry/}.
 *
 * <p>It keeps the current value of every key and, per resource (per API group for grouped
 * resources), a ring buffer of the most recent events, so a busy resource does not push another's
 * history out. A watch from revision N replays the buffered events after N and then follows live
 * ones, so any number of clients cost one upstream watch; live watches are grouped by prefix, so
 * an event is matched once per distinct prefix however many clients watch. N older than the buffer gets
 * {@link StoreException.Compacted} (410 Expired). A list at the latest revision first waits
 * (briefly) until the cache has seen the store's current revision, so that a client always
 * reads its own writes; if the cache lags too long, the list goes to the store. Writes, gets
 * and reads at a given revision go straight to the store.
 */
public final class WatchCache implements Store, WatchListener {

  private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);
  private static final String ROOT = "/registry/";
  private static final long FRESHNESS_WAIT_MS = 3000;

  private final Store store;
  private final Vertx vertx;
  private final int capacity;
  private final TreeMap<String, KeyValue> current = new TreeMap<>();
  /** Recent events per first key segment below {@code /registry/} (a core resource or an API group). */
  private final Map<String, Ring> rings = new HashMap<>();
  /** Live watches by their exact prefix: an event is matched once per distinct prefix, not once per watch. */
  private final Map<String, List<Sub>> subs = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final AtomicLong served = new AtomicLong();
  private long revision;
  /** The revision the cache was loaded at: a ring created later holds every event of its segment after it. */
  private long base;
  private boolean synced;
  private volatile boolean closed;
  private Watch upstream;

  private record Waiter(long revision, Promise<Void> promise) {}

  /** The most recent events of one key segment; holds every event of it after {@code oldest}. */
  private static final class Ring {
    final ArrayDeque<WatchEvent> events = new ArrayDeque<>();
    long oldest;

    Ring(long oldest) {
      this.oldest = oldest;
    }
  }

  /** One downstream watch. */
  private final class Sub implements Watch {
    final String prefix;
    final long after;
    final WatchListener listener;
    volatile boolean done;

    Sub(String prefix, long after, WatchListener listener) {
      this.prefix = prefix;
      this.after = after;
      this.listener = listener;
    }

    @Override
    public void close() {
      done = true;
      synchronized (WatchCache.this) {
        List<Sub> group = subs.get(prefix);
        if (group != null && group.remove(this) && group.isEmpty()) {
          subs.remove(prefix);
        }
      }
    }
  }

  /**
   * @param store the store to cache
   * @param capacity how many recent events to keep per resource (per API group for grouped
   *     resources) for watches from a past revision
   */
  public WatchCache(Store store, Vertx vertx, int capacity) {
    this.store = store;
    this.vertx = vertx;
    this.capacity = capacity;
  }

  /** The ring segment of a key or prefix below {@code /registry/}, or {@code null} if it spans segments. */
  private static String segment(String keyOrPrefix) {
    int slash = keyOrPrefix.indexOf('/', ROOT.length());
    return slash < 0 ? null : keyOrPrefix.substring(ROOT.length(), slash);
  }

  /** Loads every key and starts following changes. */
  public Future<Void> start() {
    return store.list(ROOT, null, 0, 0).map(res -> {
      synchronized (this) {
        current.clear();
        rings.clear();
        for (KeyValue kv : res.items()) {
          current.put(kv.key(), kv);
        }
        revision = res.revision();
        base = res.revision();
        synced = true;
        upstream = store.watch(ROOT, res.revision(), this);
        releaseWaiters();
      }
      LOG.info("Watch cache synced keys={} revision={}", res.items().size(), res.revision());
      return null;
    });
  }

  /** The revision the cache has caught up to. */
  public synchronized long revision() {
    return revision;
  }

  /**
   * The cached latest version of {@code key}, or {@code null} when the cache does not hold it
   * (not yet seen, or deleted): for checks that may read slightly stale state, like admission.
   */
  public synchronized KeyValue cached(String key) {
    return current.get(key);
  }

  /** Lists and watches served from memory so far. */
  public long served() {
    return served.get();
  }

  @Override
  public void onEvents(List<WatchEvent> events) {
    synchronized (this) {
      List<WatchEvent> fresh = new ArrayList<>(events.size());
      for (WatchEvent e : events) {
        if (e.revision() <= revision) {
          continue;
        }
        String key = e.kv().key();
        if (e.type() == WatchEvent.Type.DELETE) {
          current.remove(key);
        } else {
          current.put(key, e.kv());
        }
        String seg = segment(key);
        if (seg != null) {
          Ring ring = rings.computeIfAbsent(seg, k -> new Ring(base));
          ring.events.addLast(e);
          if (ring.events.size() > capacity) {
            ring.oldest = ring.events.removeFirst().revision();
          }
        }
        revision = e.revision();
        fresh.add(e);
      }
      if (!fresh.isEmpty()) {
        for (Map.Entry<String, List<Sub>> group : subs.entrySet()) {
          List<WatchEvent> matching = matching(fresh, group.getKey());
          if (matching != null) {
            for (Sub s : group.getValue()) {
              deliver(s, matching);
            }
          }
        }
      }
      releaseWaiters();
    }
  }

  private static List<WatchEvent> matching(List<WatchEvent> events, String prefix) {
    List<WatchEvent> mine = null;
    for (WatchEvent e : events) {
      if (e.kv().key().startsWith(prefix)) {
        if (mine == null) {
          mine = new ArrayList<>();
        }
        mine.add(e);
      }
    }
    return mine;
  }

  private void deliver(Sub s, List<WatchEvent> events) {
    if (s.done) {
      return;
    }
    List<WatchEvent> mine = events;
    if (events.get(0).revision() <= s.after) {
      // only right after the watch joined: skip what its backlog already had
      mine = events.stream().filter(e -> e.revision() > s.after).toList();
      if (mine.isEmpty()) {
        return;
      }
    }
    try {
      s.listener.onEvents(mine);
    } catch (RuntimeException ex) {
      LOG.warn("Watch listener failed err=\"{}\"", ex.toString());
    }
  }

  @Override
  public void onError(Throwable error) {
    List<Sub> ended;
    synchronized (this) {
      synced = false;
      ended = new ArrayList<>();
      subs.values().forEach(ended::addAll);
      subs.clear();
      // the clients re-list: tell them their revision is gone
      rings.clear();
      base = Long.MAX_VALUE;
    }
    StoreException.Compacted gone = new StoreException.Compacted(revision, revision);
    for (Sub s : ended) {
      s.done = true;
      s.listener.onError(gone);
    }
    if (closed) {
      return;
    }
    LOG.warn("Watch cache lost its store watch, resyncing err=\"{}\"", error.toString());
    vertx.setTimer(error instanceof StoreException.Compacted ? 1 : 500, t -> start().onFailure(this::onError));
  }

  private void releaseWaiters() {
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext();) {
      Waiter w = it.next();
      if (synced && revision >= w.revision) {
        it.remove();
        w.promise.tryComplete();
      }
    }
  }

  /** Completes once the cache has seen {@code rev}; fails after the freshness wait. */
  private Future<Void> caughtUp(long rev) {
    Promise<Void> p = Promise.promise();
    synchronized (this) {
      if (synced && revision >= rev) {
        return Future.succeededFuture();
      }
      waiters.add(new Waiter(rev, p));
    }
    long timer = vertx.setTimer(FRESHNESS_WAIT_MS, t -> {
      synchronized (this) {
        waiters.removeIf(w -> w.promise == p);
      }
      p.tryFail("watch cache is behind the store");
    });
    return p.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long atRevision) {
    if (atRevision != 0 || !prefix.startsWith(ROOT)) {
      return store.list(prefix, startAfter, limit, atRevision);
    }
    return store.currentRevision().compose(rev -> caughtUp(rev).map(v -> {
      served.incrementAndGet();
      return snapshot(prefix, startAfter, limit);
    }).recover(e -> store.list(prefix, startAfter, limit, 0)));
  }

  private synchronized ListResult snapshot(String prefix, String startAfter, int limit) {
    List<KeyValue> items = new ArrayList<>();
    boolean more = false;
    String from = startAfter == null || startAfter.compareTo(prefix) < 0 ? prefix : startAfter;
    for (Map.Entry<String, KeyValue> e : current.tailMap(from, startAfter == null).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      if (limit > 0 && items.size() == limit) {
        more = true;
        break;
      }
      items.add(e.getValue());
    }
    return new ListResult(items, revision, more);
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    if (!prefix.startsWith(ROOT)) {
      return store.watch(prefix, afterRevision, listener);
    }
    Sub sub = new Sub(prefix, afterRevision, listener);
    synchronized (this) {
      String seg = segment(prefix);
      List<Ring> sources = new ArrayList<>();
      long oldest = base;
      if (seg != null) {
        Ring ring = rings.get(seg);
        if (ring != null) {
          sources.add(ring);
          oldest = ring.oldest;
        }
      } else {
        for (Map.Entry<String, Ring> r : rings.entrySet()) {
          if ((ROOT + r.getKey() + "/").startsWith(prefix) || prefix.startsWith(ROOT + r.getKey())) {
            sources.add(r.getValue());
            oldest = Math.max(oldest, r.getValue().oldest);
          }
        }
      }
      if (!synced || afterRevision < oldest) {
        long compacted = synced ? oldest : revision;
        vertx.runOnContext(v -> listener.onError(new StoreException.Compacted(afterRevision, compacted)));
        sub.done = true;
        return sub;
      }
      served.incrementAndGet();
      List<WatchEvent> backlog = new ArrayList<>();
      for (Ring ring : sources) {
        // newest first: stop at the first event the watch has already seen
        for (Iterator<WatchEvent> it = ring.events.descendingIterator(); it.hasNext();) {
          WatchEvent e = it.next();
          if (e.revision() <= afterRevision) {
            break;
          }
          if (e.kv().key().startsWith(prefix)) {
            backlog.add(e);
          }
        }
      }
      backlog.sort(java.util.Comparator.comparingLong(WatchEvent::revision));
      subs.computeIfAbsent(prefix, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(sub);
      if (!backlog.isEmpty()) {
        listener.onEvents(backlog);
      }
    }
    return sub;
  }

  @Override
  public Future<Long> currentRevision() {
    return store.currentRevision();
  }

  @Override
  public Future<KeyValue> get(String key) {
    return store.get(key);
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return store.create(key, value);
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return store.update(key, value, expectedRevision);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return store.delete(key, expectedRevision);
  }

  @Override
  public Future<Void> compact(long rev) {
    return store.compact(rev);
  }

  @Override
  public long compactedRevision() {
    return store.compactedRevision();
  }

  /** Ends the upstream watch and every downstream one; the underlying store stays open. */
  @Override
  public void close() {
    closed = true;
    Watch w;
    synchronized (this) {
      w = upstream;
      subs.values().forEach(group -> group.forEach(s -> s.done = true));
      subs.clear();
    }
    if (w != null) {
      w.close();
    }
  }
}
