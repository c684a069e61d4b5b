package io.jk.apiserver.server;

import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node of every bound pod ({@code "namespace/name"} to {@code spec.nodeName}), kept in memory
 * from a store watch, for the Node authorizer's non-blocking lookups.
 */
final class PodNodeIndex implements WatchListener {

  private static final Logger LOG = LoggerFactory.getLogger(PodNodeIndex.class);
  private static final String PREFIX = "/registry/pods/";

  private final Store store;
  private final Vertx vertx;
  private final Map<String, String> nodes = new ConcurrentHashMap<>();
  private volatile Watch watch;
  private volatile boolean closed;

  PodNodeIndex(Store store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
  }

  /** Lists the pods, then follows their changes. */
  Future<Void> start() {
    return store.list(PREFIX, null, 0, 0).map(res -> {
      nodes.clear();
      for (KeyValue kv : res.items()) {
        put(kv);
      }
      if (!closed) {
        watch = store.watch(PREFIX, res.revision(), this);
      }
      return null;
    });
  }

  /** The node {@code "namespace/name"} is bound to. */
  Optional<String> nodeOf(String namespacedName) {
    return Optional.ofNullable(nodes.get(namespacedName));
  }

  private void put(KeyValue kv) {
    String id = kv.key().substring(PREFIX.length());
    String node = Objects.decode(kv).path("spec").path("nodeName").asText("");
    if (node.isEmpty()) {
      nodes.remove(id);
    } else {
      nodes.put(id, node);
    }
  }

  @Override
  public void onEvents(List<WatchEvent> events) {
    for (WatchEvent e : events) {
      if (e.type() == WatchEvent.Type.DELETE) {
        nodes.remove(e.kv().key().substring(PREFIX.length()));
      } else {
        put(e.kv());
      }
    }
  }

  @Override
  public void onError(Throwable error) {
    if (closed) {
      return;
    }
    LOG.warn("Pod index watch ended, relisting err=\"{}\"", error.toString());
    vertx.setTimer(error instanceof StoreException.Compacted ? 1 : 1000, t -> start());
  }

  void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
