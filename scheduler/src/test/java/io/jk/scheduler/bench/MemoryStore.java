package io.jk.scheduler.bench;

import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A {@link Store} in memory, with the full contract (revisions, compare-and-swap, history for
 * watches from a revision, compaction): for tests that need no durability. Events are delivered
 * on one thread per store, in revision order. Kept with the scheduler benchmark (its {@code --store
 * memory} option separates the store's cost from the scheduler's); the API server itself has only its
 * SQLite and etcd backends.
 */
public final class MemoryStore implements Store {

  private final TreeMap<String, KeyValue> current = new TreeMap<>();
  private final List<WatchEvent> history = new ArrayList<>();
  private final List<Sub> subs = new CopyOnWriteArrayList<>();
  private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "memory-store-watch");
    t.setDaemon(true);
    return t;
  });
  private long revision;
  private long compacted;

  private record Sub(String prefix, WatchListener listener, boolean[] closed) {}

  @Override
  public synchronized Future<Long> currentRevision() {
    return Future.succeededFuture(revision);
  }

  @Override
  public synchronized Future<KeyValue> get(String key) {
    return Future.succeededFuture(current.get(key));
  }

  @Override
  public synchronized Future<ListResult> list(String prefix, String startAfter, int limit, long atRevision) {
    if (atRevision != 0 && atRevision < compacted) {
      return Future.failedFuture(new StoreException.Compacted(atRevision, compacted));
    }
    if (atRevision > revision) {
      return Future.failedFuture(new StoreException.FutureRevision(atRevision, revision));
    }
    Map<String, KeyValue> view = atRevision == 0 ? current : stateAt(atRevision);
    List<KeyValue> items = new ArrayList<>();
    boolean more = false;
    for (Map.Entry<String, KeyValue> e : view.entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(prefix) || startAfter != null && k.compareTo(startAfter) <= 0) {
        continue;
      }
      if (limit > 0 && items.size() == limit) {
        more = true;
        break;
      }
      items.add(e.getValue());
    }
    return Future.succeededFuture(new ListResult(items, atRevision == 0 ? revision : atRevision, more));
  }

  private TreeMap<String, KeyValue> stateAt(long rev) {
    TreeMap<String, KeyValue> m = new TreeMap<>(current);
    for (int i = history.size() - 1; i >= 0; i--) {
      WatchEvent e = history.get(i);
      if (e.revision() <= rev) {
        break;
      }
      if (e.prevKv() == null) {
        m.remove(e.kv().key());
      } else {
        m.put(e.kv().key(), e.prevKv());
      }
    }
    return m;
  }

  @Override
  public synchronized Future<KeyValue> create(String key, byte[] value) {
    if (current.containsKey(key)) {
      return Future.failedFuture(new StoreException.KeyExists(key));
    }
    KeyValue kv = new KeyValue(key, value.clone(), revision + 1, revision + 1);
    revision++;
    current.put(key, kv);
    publish(new WatchEvent(WatchEvent.Type.CREATE, kv, null));
    return Future.succeededFuture(kv);
  }

  @Override
  public synchronized Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    KeyValue old = current.get(key);
    if (old == null) {
      return Future.failedFuture(new StoreException.NotFound(key));
    }
    if (old.modRevision() != expectedRevision) {
      return Future.failedFuture(new StoreException.Conflict(key, old));
    }
    revision++;
    KeyValue kv = new KeyValue(key, value.clone(), old.createRevision(), revision);
    current.put(key, kv);
    publish(new WatchEvent(WatchEvent.Type.UPDATE, kv, old));
    return Future.succeededFuture(kv);
  }

  @Override
  public synchronized Future<KeyValue> delete(String key, long expectedRevision) {
    KeyValue old = current.get(key);
    if (old == null) {
      return Future.failedFuture(new StoreException.NotFound(key));
    }
    if (expectedRevision != 0 && old.modRevision() != expectedRevision) {
      return Future.failedFuture(new StoreException.Conflict(key, old));
    }
    revision++;
    current.remove(key);
    KeyValue gone = new KeyValue(key, old.value(), old.createRevision(), revision);
    publish(new WatchEvent(WatchEvent.Type.DELETE, gone, old));
    return Future.succeededFuture(gone);
  }

  private void publish(WatchEvent e) {
    history.add(e);
    for (Sub s : subs) {
      if (e.kv().key().startsWith(s.prefix())) {
        delivery.execute(() -> {
          if (!s.closed()[0]) {
            s.listener().onEvents(List.of(e));
          }
        });
      }
    }
  }

  @Override
  public synchronized Watch watch(String prefix, long afterRevision, WatchListener listener) {
    Sub sub = new Sub(prefix, listener, new boolean[1]);
    if (afterRevision < compacted) {
      StoreException.Compacted err = new StoreException.Compacted(afterRevision, compacted);
      delivery.execute(() -> listener.onError(err));
      return () -> sub.closed()[0] = true;
    }
    List<WatchEvent> backlog = new ArrayList<>();
    for (WatchEvent e : history) {
      if (e.revision() > afterRevision && e.kv().key().startsWith(prefix)) {
        backlog.add(e);
      }
    }
    if (!backlog.isEmpty()) {
      delivery.execute(() -> {
        if (!sub.closed()[0]) {
          listener.onEvents(backlog);
        }
      });
    }
    subs.add(sub);
    return () -> {
      sub.closed()[0] = true;
      subs.remove(sub);
    };
  }

  @Override
  public synchronized Future<Void> compact(long rev) {
    if (rev <= compacted) {
      return Future.succeededFuture();
    }
    history.removeIf(e -> e.revision() < rev);
    compacted = Math.min(rev, revision);
    return Future.succeededFuture();
  }

  @Override
  public synchronized long compactedRevision() {
    return compacted;
  }

  @Override
  public void close() {
    delivery.shutdownNow();
  }
}
