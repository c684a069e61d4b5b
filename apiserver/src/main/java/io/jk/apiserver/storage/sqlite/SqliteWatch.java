package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: first replays the log after its start revision, then follows live batches.
 *
 * <p>The watch joins the hub before the replay reads the current revision, so every batch
 * committed after that revision reaches it live; live batches that arrive during the replay are
 * buffered. Every delivery skips revisions already delivered, which removes the overlap between
 * the replay and the buffer: no gap, no duplicate. All listener calls happen under this object's
 * lock, so they never overlap and none starts after {@link #close()} returns.
 */
final class SqliteWatch implements Watch {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteWatch.class);

  private final KeyRange range;
  private final WatchListener listener;
  private final WatchHub hub;
  private final List<WatchEvent> buffer = new ArrayList<>();
  private boolean replaying = true;
  private boolean closed;
  private long delivered;

  SqliteWatch(KeyRange range, long afterRevision, WatchListener listener, WatchHub hub) {
    this.range = range;
    this.delivered = afterRevision;
    this.listener = listener;
    this.hub = hub;
  }

  /** A committed batch (all keys); keeps this watch's keys. */
  synchronized void live(List<WatchEvent> events) {
    if (closed) {
      return;
    }
    List<WatchEvent> mine = new ArrayList<>();
    for (WatchEvent e : events) {
      String key = e.kv().key();
      if (key.startsWith(range.prefix())) {
        mine.add(e);
      }
    }
    if (mine.isEmpty()) {
      return;
    }
    if (replaying) {
      buffer.addAll(mine);
    } else {
      deliver(mine);
    }
  }

  /** A page of replayed events, in revision order. */
  synchronized void replayed(List<WatchEvent> page) {
    if (!closed) {
      deliver(page);
    }
  }

  /** The replay has delivered everything up to {@code upTo}; switches to live delivery. */
  synchronized void replayDone(long upTo) {
    if (closed) {
      return;
    }
    delivered = Math.max(delivered, upTo);
    replaying = false;
    List<WatchEvent> pending = new ArrayList<>(buffer);
    buffer.clear();
    deliver(pending);
  }

  /** Ends the watch with an error (compacted, store closed); no call follows. */
  synchronized void fail(Throwable error) {
    if (closed) {
      return;
    }
    closed = true;
    hub.remove(this);
    try {
      listener.onError(error);
    } catch (RuntimeException e) {
      LOG.warn("Watch listener failed in onError err=\"{}\"", e.toString());
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    buffer.clear();
    hub.remove(this);
  }

  private void deliver(List<WatchEvent> events) {
    List<WatchEvent> fresh = events;
    if (!events.isEmpty() && events.get(0).revision() <= delivered) {
      fresh = new ArrayList<>();
      for (WatchEvent e : events) {
        if (e.revision() > delivered) {
          fresh.add(e);
        }
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    delivered = fresh.get(fresh.size() - 1).revision();
    try {
      listener.onEvents(fresh);
    } catch (RuntimeException e) {
      LOG.warn("Watch listener failed in onEvents err=\"{}\"", e.toString());
    }
  }
}
