package io.jk.apiserver.resources.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.jk.apiserver.watch.WatchCache;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Store} in which events.k8s.io/v1 Events and core/v1 Events are one resource, as in
 * Kubernetes: keys under {@code /registry/events.k8s.io/events/} are served from the core
 * events' keys ({@code /registry/events/}), values converted by {@link EventConversion} on the way
 * in (stored as core/v1) and out (seen as events.k8s.io/v1). Both views share names,
 * resourceVersions and watches, so {@code kubectl get events} shows events recorded through
 * either API. Every other key passes through untouched.
 */
public final class EventStorage implements Store {

  /** Where events.k8s.io/v1 Events seem to live. */
  public static final String EVENTS_API_PREFIX = "/registry/events.k8s.io/events/";
  /** Where every Event is stored. */
  public static final String CORE_PREFIX = "/registry/events/";

  private final Store store;

  /** Shares event storage over {@code store} (not closed by {@link #close()}). */
  public EventStorage(Store store) {
    this.store = store;
  }

  private static boolean isEventsApi(String key) {
    return key != null && key.startsWith(EVENTS_API_PREFIX);
  }

  private static String toCoreKey(String key) {
    return CORE_PREFIX + key.substring(EVENTS_API_PREFIX.length());
  }

  private static String toEventsKey(String key) {
    return key.startsWith(CORE_PREFIX) ? EVENTS_API_PREFIX + key.substring(CORE_PREFIX.length()) : key;
  }

  private static byte[] valueToCore(byte[] value) {
    return convert(value, true);
  }

  private static byte[] convert(byte[] value, boolean toCore) {
    if (value == null || value.length == 0) {
      return value;
    }
    try {
      JsonNode n = Json.mapper().readTree(value);
      if (!(n instanceof ObjectNode o)) {
        return value;
      }
      return Json.mapper().writeValueAsBytes(toCore ? EventConversion.toCore(o) : EventConversion.toEventsV1(o));
    } catch (IOException e) {
      return value; // not ours to judge: the caller reports what it cannot decode
    }
  }

  private static KeyValue out(KeyValue kv) {
    if (kv == null) {
      return null;
    }
    return new KeyValue(toEventsKey(kv.key()), convert(kv.value(), false), kv.createRevision(), kv.modRevision());
  }

  /**
   * The latest cached version of {@code key} when the underlying store is a {@link WatchCache}
   * (null otherwise, or when not cached), converted for events.k8s.io keys.
   */
  public KeyValue cached(String key) {
    if (!(store instanceof WatchCache cache)) {
      return null;
    }
    return isEventsApi(key) ? out(cache.cached(toCoreKey(key))) : cache.cached(key);
  }

  @Override
  public Future<Long> currentRevision() {
    return store.currentRevision();
  }

  @Override
  public Future<KeyValue> get(String key) {
    return isEventsApi(key) ? store.get(toCoreKey(key)).map(EventStorage::out) : store.get(key);
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    if (!isEventsApi(prefix)) {
      return store.list(prefix, startAfter, limit, revision);
    }
    return store.list(toCoreKey(prefix), startAfter == null ? null : isEventsApi(startAfter) ? toCoreKey(startAfter)
        : startAfter, limit, revision).map(res -> {
          List<KeyValue> items = new ArrayList<>(res.items().size());
          res.items().forEach(kv -> items.add(out(kv)));
          return new ListResult(items, res.revision(), res.more());
        });
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return isEventsApi(key) ? store.create(toCoreKey(key), valueToCore(value)).map(EventStorage::out)
        : store.create(key, value);
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return isEventsApi(key) ? store.update(toCoreKey(key), valueToCore(value), expectedRevision).map(EventStorage::out)
        : store.update(key, value, expectedRevision);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return isEventsApi(key) ? store.delete(toCoreKey(key), expectedRevision).map(EventStorage::out)
        : store.delete(key, expectedRevision);
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    if (!isEventsApi(prefix)) {
      return store.watch(prefix, afterRevision, listener);
    }
    return store.watch(toCoreKey(prefix), afterRevision, new WatchListener() {
      @Override
      public void onEvents(List<WatchEvent> events) {
        List<WatchEvent> converted = new ArrayList<>(events.size());
        events.forEach(e -> converted.add(new WatchEvent(e.type(), out(e.kv()), out(e.prevKv()))));
        listener.onEvents(converted);
      }

      @Override
      public void onError(Throwable error) {
        listener.onError(error);
      }
    });
  }

  @Override
  public Future<Void> compact(long revision) {
    return store.compact(revision);
  }

  @Override
  public long compactedRevision() {
    return store.compactedRevision();
  }

  /** Nothing to release: the underlying store belongs to the caller. */
  @Override
  public void close() {}
}
