package io.jk.controllers.history;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A controller's own recent writes of one resource, laid over a shared informer's cache until the
 * informer has caught up with them (what client-go's {@code MutationCache} does for controllers
 * that must read their own writes). Without it, an object the controller just created is missing
 * from the next sync's view (and would be created again), and one it just deleted lingers.
 *
 * <p>An entry is dropped as soon as the informer has seen the write: when the cached object's
 * resourceVersion reaches the write's, or the informer's last synced resourceVersion does (jk's
 * resourceVersions are the store's global revision, so they compare as numbers; an informer
 * that has synced past a revision holds every change of its resource up to it). A deletion is
 * dropped once the cache holds another object of that name, or none after having synced past the
 * deleted object's revision. Entries also expire after
 * {@link #TTL_NANOS}, after which the cache is trusted whatever it says.
 *
 * <p>Thread-safe: several workers may read and record at once.
 */
final class RecentWrites<T extends HasMetadata> {

  /** How long a write is laid over the cache at most. */
  static final long TTL_NANOS = 120_000_000_000L;

  private record Entry<T>(T object, String uid, long revision, boolean deleted, long expiresAt) {}

  private final SharedIndexInformer<T> informer;
  private final LongSupplier nanoClock;
  private final Map<String, Entry<T>> entries = new ConcurrentHashMap<>();

  RecentWrites(SharedIndexInformer<T> informer) {
    this(informer, System::nanoTime);
  }

  RecentWrites(SharedIndexInformer<T> informer, LongSupplier nanoClock) {
    this.informer = informer;
    this.nanoClock = nanoClock;
  }

  /** Records {@code obj} as the API server returned it from a create or an update. */
  void written(T obj) {
    entries.put(key(obj), new Entry<>(obj, obj.getMetadata().getUid(), revision(obj), false,
        nanoClock.getAsLong() + TTL_NANOS));
  }

  /** Records that {@code obj} was deleted (or found already gone). */
  void deleted(T obj) {
    entries.put(key(obj), new Entry<>(null, obj.getMetadata().getUid(), revision(obj), true,
        nanoClock.getAsLong() + TTL_NANOS));
  }

  /** The objects of namespace {@code ns}: the informer's, with the recent writes applied. */
  List<T> inNamespace(String ns) {
    Map<String, T> byName = new LinkedHashMap<>();
    for (T o : informer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns)) {
      byName.put(o.getMetadata().getName(), o);
    }
    if (entries.isEmpty()) {
      return new ArrayList<>(byName.values());
    }
    long synced = parse(informer.lastSyncResourceVersion());
    long now = nanoClock.getAsLong();
    String prefix = ns + "/";
    for (Map.Entry<String, Entry<T>> me : entries.entrySet()) {
      if (!me.getKey().startsWith(prefix)) {
        continue;
      }
      String name = me.getKey().substring(prefix.length());
      Entry<T> e = me.getValue();
      T cached = byName.get(name);
      if (now - e.expiresAt() > 0 || caughtUp(e, cached, synced)) {
        entries.remove(me.getKey(), e);
      } else if (e.deleted()) {
        byName.remove(name);
      } else {
        byName.put(name, e.object());
      }
    }
    return new ArrayList<>(byName.values());
  }

  /** How many writes are still laid over the cache (for tests). */
  int pending() {
    return entries.size();
  }

  private static boolean caughtUp(Entry<?> e, HasMetadata cached, long synced) {
    if (e.deleted()) {
      // Replaced in the cache by a newer object of the same name, or gone from a cache that has
      // seen the deleted object (else a late watch event could still add it).
      if (cached != null) {
        return !Objects.equals(e.uid(), cached.getMetadata().getUid());
      }
      return e.revision() < 0 || synced >= e.revision();
    }
    if (e.revision() < 0) {
      return false; // no comparable revision: wait for the TTL
    }
    return (cached != null && revision(cached) >= e.revision()) || synced >= e.revision();
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static long revision(HasMetadata o) {
    return parse(o.getMetadata().getResourceVersion());
  }

  private static long parse(String resourceVersion) {
    if (resourceVersion == null) {
      return -1;
    }
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
