package io.jk.apiserver.storage.etcd;

import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.watch.WatchResponse;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd watch adapted to a {@link WatchListener}: batches per etcd response, listener calls
 * serialized, revisions already delivered skipped (jetcd re-watches from the next revision after a
 * reconnect), and a compaction turned into {@link StoreException.Compacted}.
 */
final class EtcdWatch implements Watch, io.etcd.jetcd.Watch.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);

  private final long afterRevision;
  private final WatchListener listener;
  private final AtomicLong storeCompacted;
  private io.etcd.jetcd.Watch.Watcher watcher;
  private boolean closed;
  private long delivered;

  EtcdWatch(long afterRevision, WatchListener listener, AtomicLong storeCompacted) {
    this.afterRevision = afterRevision;
    this.delivered = afterRevision;
    this.listener = listener;
    this.storeCompacted = storeCompacted;
  }

  synchronized void attach(io.etcd.jetcd.Watch.Watcher w) {
    this.watcher = w;
    if (closed) {
      w.close();
    }
  }

  @Override
  public synchronized void onNext(WatchResponse response) {
    if (closed || response.getEvents().isEmpty()) {
      return;
    }
    List<WatchEvent> events = new ArrayList<>(response.getEvents().size());
    for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
      WatchEvent converted = EtcdStore.convert(e);
      if (converted.revision() > delivered) {
        events.add(converted);
      }
    }
    if (events.isEmpty()) {
      return;
    }
    delivered = events.get(events.size() - 1).revision();
    try {
      listener.onEvents(events);
    } catch (RuntimeException e) {
      LOG.warn("Watch listener failed in onEvents err=\"{}\"", e.toString());
    }
  }

  @Override
  public synchronized void onError(Throwable error) {
    if (closed) {
      return;
    }
    Throwable mapped;
    if (error instanceof CompactedException ce) {
      storeCompacted.accumulateAndGet(ce.getCompactedRevision(), Math::max);
      mapped = new StoreException.Compacted(afterRevision, ce.getCompactedRevision());
    } else {
      mapped = new StoreException("etcd watch failed: " + error.getMessage(), error);
    }
    closeWatcher();
    try {
      listener.onError(mapped);
    } catch (RuntimeException e) {
      LOG.warn("Watch listener failed in onError err=\"{}\"", e.toString());
    }
  }

  @Override
  public synchronized void onCompleted() {
    if (!closed) {
      closeWatcher();
      listener.onError(new StoreException("etcd watch ended"));
    }
  }

  @Override
  public synchronized void close() {
    closeWatcher();
  }

  private void closeWatcher() {
    closed = true;
    if (watcher != null) {
      try {
        watcher.close();
      } catch (RuntimeException e) {
        LOG.debug("Closing etcd watcher failed err=\"{}\"", e.toString());
      }
    }
  }
}
