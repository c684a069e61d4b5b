package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.resources.events.EventStorage;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.watch.WatchCache;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Namespace lifecycle admission of creates, as Kubernetes' {@code NamespaceLifecycle} plugin: new
 * content is refused in a namespace that does not exist (404) or is being deleted (403).
 *
 * <p>The namespace is read from the watch cache, which follows the store asynchronously: a
 * write's reply can reach the client before the cache has seen that write. So the namespace is
 * read from the store itself when the cache lacks it, and when this server has written it at a
 * revision the cached version predates: a create sent after the namespace's DELETE was answered
 * then always sees {@code Terminating} (Kubernetes forces a live lookup for recently deleted
 * namespaces for the same reason).
 */
final class NamespaceLifecycle {

  private static final int MAX_ENTRIES = 4096;

  private final Store store;
  private final ResourceType namespaces;
  /** The revision of this server's latest write of each namespace key not yet seen in the cache. */
  private final Map<String, Long> written = new ConcurrentHashMap<>();
  /** The last namespace version seen, per key, and whether it was terminating. */
  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();

  private record Verdict(KeyValue version, boolean terminating) {}

  NamespaceLifecycle(ResourceTypes types, Store store) {
    this.store = store;
    this.namespaces = types.find("", "v1", "namespaces").orElseThrow();
  }

  /** Whether {@code type} is the core Namespace kind. */
  static boolean isNamespace(ResourceType type) {
    return type.kind().equals("Namespace") && type.group().isEmpty();
  }

  /** Succeeds when {@code namespace} exists and is not terminating (always for cluster-scoped types). */
  Future<Void> admitCreate(ResourceType type, String namespace) {
    if (!type.namespaced()) {
      return Future.succeededFuture();
    }
    String key = namespaces.key(null, namespace);
    KeyValue cached = cached(key);
    Long ours = written.get(key);
    if (cached != null && ours != null) {
      if (cached.modRevision() >= ours) {
        written.remove(key, ours); // the cache has caught up with our write
      } else {
        cached = null; // the cache predates our own write: read the store
      }
    }
    Future<KeyValue> found = cached != null ? Future.succeededFuture(cached) : store.get(key);
    return found.map(kv -> {
      if (kv == null) {
        throw ApiException.notFound(namespaces, namespace);
      }
      if (terminating(kv)) {
        throw ApiException.forbidden(type.resource() + " is forbidden: unable to create new content in namespace "
            + namespace + " because it is being terminated");
      }
      return null;
    });
  }

  /**
   * Records that this server wrote namespace {@code result} (created, updated, marked for
   * deletion or removed; its {@code resourceVersion} is the write's revision), before the write is
   * answered.
   */
  void written(ResourceType type, ObjectNode result) {
    if (!isNamespace(type) || result == null) {
      return;
    }
    long revision;
    try {
      revision = Long.parseLong(Objects.metaText(result, "resourceVersion"));
    } catch (NumberFormatException e) {
      return; // a dry run: nothing was written
    }
    if (written.size() >= MAX_ENTRIES) {
      written.clear(); // bounded: at worst a few admissions read stale cache entries
    }
    written.merge(namespaces.key(null, Objects.metaText(result, "name")), revision, Math::max);
  }

  private KeyValue cached(String key) {
    if (store instanceof WatchCache cache) {
      return cache.cached(key);
    }
    if (store instanceof EventStorage events) {
      return events.cached(key);
    }
    return null;
  }

  /** Whether a namespace version is being deleted, decoded once per stored version (the cache hands out the same instance). */
  private boolean terminating(KeyValue ns) {
    Verdict v = verdicts.get(ns.key());
    if (v != null && v.version() == ns) {
      return v.terminating();
    }
    boolean terminating = Objects.decode(ns).path("metadata").has("deletionTimestamp");
    if (verdicts.size() >= MAX_ENTRIES) {
      verdicts.clear();
    }
    verdicts.put(ns.key(), new Verdict(ns, terminating));
    return terminating;
  }
}
