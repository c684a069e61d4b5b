package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.WatchEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the SQLite file, with group commit.
 *
 * <p>Callers enqueue {@link WriteOp}s; the writer thread takes every pending one (up to the batch
 * limit), checks each one's precondition against the database and against the earlier writes of
 * the same batch, inserts the rows, and commits the batch in one transaction: one fsync for all.
 * Only then does each write's future complete, with its own outcome: a write whose precondition
 * fails fails alone. After the commit the batch's events go to the watch hub.
 *
 * <p>A compaction is its own batch, run between writes.
 */
final class Writer implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(Writer.class);
  /** Value bytes above which a batch takes no more writes. */
  static final long MAX_BATCH_BYTES = 32L << 20;
  /** Revisions compacted per transaction. */
  static final long COMPACT_CHUNK = 5_000;
  private static final WriteOp STOP = new WriteOp(WriteOp.Kind.COMPACT, null, null, -1, null);

  private final Connection conn;
  private final LinkedBlockingQueue<WriteOp> queue = new LinkedBlockingQueue<>();
  private final int maxBatch;
  private final Revisions revisions;
  private final WatchHub hub;
  private final PreparedStatement currentRow;
  private final PreparedStatement insert;
  /**
   * BEGIN/COMMIT/ROLLBACK as SQL on an auto-commit connection: SQLite itself rolls a transaction
   * back on some errors (SQLITE_FULL), which the JDBC driver's own transaction state would not
   * notice, leaving later statements to run (and commit) outside any transaction.
   */
  private final Statement control;
  private final Thread thread;
  private volatile boolean stopping;

  /** The revisions shared with readers. */
  interface Revisions {
    long current();

    void committed(long revision);

    long compacted();

    /**
     * Sets the compacted revision: before a compaction commits (so readers starting now fail early)
     * and back when it failed.
     */
    void compacting(long revision);
  }

  Writer(Connection conn, int maxBatch, Revisions revisions, WatchHub hub, String name) throws SQLException {
    this.conn = conn;
    this.maxBatch = maxBatch;
    this.revisions = revisions;
    this.hub = hub;
    this.currentRow = conn.prepareStatement(Schema.CURRENT_ROW);
    this.insert = conn.prepareStatement(Schema.INSERT);
    this.control = conn.createStatement();
    this.thread = new Thread(this, "jk-sqlite-writer-" + name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a write; fails it at once when the store is closing. */
  void submit(WriteOp op) {
    if (stopping) {
      op.done.fail(new StoreException("store is closed"));
      return;
    }
    queue.add(op);
  }

  /** Finishes every queued write, then stops the thread. */
  void stop() {
    stopping = true;
    queue.add(STOP);
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A write that raced with stop() may have been queued after the thread's last look.
    WriteOp late;
    while ((late = queue.poll()) != null) {
      if (late != STOP) {
        late.done.fail(new StoreException("store is closed"));
      }
    }
  }

  @Override
  public void run() {
    List<WriteOp> batch = new ArrayList<>();
    boolean running = true;
    while (running) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      // Take what is pending, up to the batch limits (count and bytes: huge values make small batches).
      long bytes = size(batch.get(0));
      WriteOp more;
      while (batch.size() < maxBatch && bytes < MAX_BATCH_BYTES && (more = queue.poll()) != null) {
        batch.add(more);
        bytes += size(more);
      }
      List<WriteOp> writes = new ArrayList<>(batch.size());
      try {
        for (WriteOp op : batch) {
          if (op == STOP) {
            running = false;
          } else if (op.kind == WriteOp.Kind.COMPACT) {
            commitWrites(writes);
            writes.clear();
            compact(op);
          } else {
            writes.add(op);
          }
        }
        commitWrites(writes);
      } catch (RuntimeException | Error e) {
        // Never let the only writer die: fail what this batch still holds and go on.
        LOG.error("Writer failed unexpectedly err=\"{}\"", e.toString(), e);
        StoreException failure = new StoreException("write failed (it may or may not have been stored): " + e, e);
        for (WriteOp op : batch) {
          if (op != STOP) {
            op.done.fail(failure);
          }
        }
        rollbackQuietly();
        resyncRevision();
      }
      batch.clear();
    }
    // Anything queued after STOP is refused.
    WriteOp late;
    while ((late = queue.poll()) != null) {
      if (late != STOP) {
        late.done.fail(new StoreException("store is closed"));
      }
    }
  }

  private static long size(WriteOp op) {
    return op.value == null ? 64 : op.value.length + 64L;
  }

  private void commitWrites(List<WriteOp> ops) {
    if (ops.isEmpty()) {
      return;
    }
    Map<String, Row> latest = new HashMap<>();
    Object[] outcomes = new Object[ops.size()];
    List<WatchEvent> events = new ArrayList<>(ops.size());
    long rev = revisions.current();
    try {
      control.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < ops.size(); i++) {
        WriteOp op = ops.get(i);
        Row cur = latest.containsKey(op.key) ? latest.get(op.key) : loadCurrent(op.key);
        boolean exists = cur != null && !cur.deleted();
        switch (op.kind) {
          case CREATE -> {
            if (exists) {
              outcomes[i] = new StoreException.KeyExists(op.key);
              continue;
            }
            rev++;
            addInsert(rev, op.key, true, false, rev, cur == null ? 0 : cur.id(), op.value);
            Row row = new Row(rev, rev, false, op.value);
            latest.put(op.key, row);
            KeyValue kv = row.toKeyValue(op.key);
            outcomes[i] = kv;
            events.add(new WatchEvent(WatchEvent.Type.CREATE, kv, null));
          }
          case UPDATE -> {
            if (!exists) {
              outcomes[i] = new StoreException.NotFound(op.key);
              continue;
            }
            if (cur.id() != op.revision) {
              outcomes[i] = new StoreException.Conflict(op.key, cur.toKeyValue(op.key));
              continue;
            }
            rev++;
            addInsert(rev, op.key, false, false, cur.createRevision(), cur.id(), op.value);
            Row row = new Row(rev, cur.createRevision(), false, op.value);
            latest.put(op.key, row);
            KeyValue kv = row.toKeyValue(op.key);
            outcomes[i] = kv;
            events.add(new WatchEvent(WatchEvent.Type.UPDATE, kv, cur.toKeyValue(op.key)));
          }
          case DELETE -> {
            if (!exists) {
              outcomes[i] = new StoreException.NotFound(op.key);
              continue;
            }
            if (op.revision != 0 && cur.id() != op.revision) {
              outcomes[i] = new StoreException.Conflict(op.key, cur.toKeyValue(op.key));
              continue;
            }
            rev++;
            addInsert(rev, op.key, false, true, cur.createRevision(), cur.id(), cur.value());
            Row row = new Row(rev, cur.createRevision(), true, cur.value());
            latest.put(op.key, row);
            KeyValue kv = row.toKeyValue(op.key);
            outcomes[i] = kv;
            events.add(new WatchEvent(WatchEvent.Type.DELETE, kv, cur.toKeyValue(op.key)));
          }
          default -> throw new IllegalStateException("unexpected " + op.kind);
        }
      }
      if (!events.isEmpty()) {
        insert.executeBatch();
        control.execute("COMMIT");
      } else {
        control.execute("ROLLBACK");
      }
    } catch (SQLException | RuntimeException e) {
      LOG.error("Write batch failed size={} err=\"{}\"", ops.size(), e.toString());
      rollbackQuietly();
      StoreException failure = new StoreException("write failed (it may or may not have been stored): " + e, e);
      for (WriteOp op : ops) {
        op.done.fail(failure);
      }
      resyncRevision();
      return;
    }
    revisions.committed(rev);
    for (int i = 0; i < ops.size(); i++) {
      Object outcome = outcomes[i];
      if (outcome instanceof KeyValue kv) {
        ops.get(i).done.succeed(kv);
      } else {
        ops.get(i).done.fail((StoreException) outcome);
      }
    }
    if (!events.isEmpty()) {
      hub.publish(events);
    }
  }

  private Row loadCurrent(String key) throws SQLException {
    currentRow.setString(1, key);
    try (ResultSet rs = currentRow.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      return new Row(rs.getLong(1), rs.getLong(2), rs.getInt(3) != 0, rs.getBytes(4));
    }
  }

  private void addInsert(long id, String key, boolean created, boolean deleted, long createRev, long prevRev,
      byte[] value) throws SQLException {
    insert.setLong(1, id);
    insert.setString(2, key);
    insert.setInt(3, created ? 1 : 0);
    insert.setInt(4, deleted ? 1 : 0);
    insert.setLong(5, createRev);
    insert.setLong(6, prevRev);
    insert.setBytes(7, value);
    insert.addBatch();
  }

  /**
   * Compacts up to {@code op.revision} in chunks of {@link #COMPACT_CHUNK} revisions, one transaction
   * each, putting the rest back at the end of the queue so writes waiting meanwhile go first: a big
   * compaction never stalls writes for long.
   */
  private void compact(WriteOp op) {
    long target = Math.min(op.revision, revisions.current());
    long from = revisions.compacted();
    if (target <= from) {
      op.done.succeed(null);
      return;
    }
    long upTo = Math.min(target, from + COMPACT_CHUNK);
    revisions.compacting(upTo);
    long started = System.nanoTime();
    try (PreparedStatement superseded = conn.prepareStatement(Schema.COMPACT_SUPERSEDED);
        PreparedStatement tombstones = conn.prepareStatement(Schema.COMPACT_TOMBSTONES);
        PreparedStatement meta = conn.prepareStatement(Schema.WRITE_COMPACT_REVISION)) {
      control.execute("BEGIN IMMEDIATE");
      // Superseded rows first (their superseding row may be a tombstone removed next).
      superseded.setLong(1, from);
      superseded.setLong(2, upTo);
      int removed = superseded.executeUpdate();
      tombstones.setLong(1, from);
      tombstones.setLong(2, upTo);
      removed += tombstones.executeUpdate();
      meta.setLong(1, upTo);
      meta.executeUpdate();
      control.execute("COMMIT");
      LOG.info("Compacted revision={} removedRows={} tookMs={}", upTo, removed,
          (System.nanoTime() - started) / 1_000_000);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      revisions.compacting(from);
      LOG.error("Compaction failed revision={} err=\"{}\"", upTo, e.toString());
      op.done.fail(new StoreException("compaction failed: " + e, e));
      return;
    }
    if (upTo < target) {
      queue.add(op);
    } else {
      op.done.succeed(null);
    }
  }

  /**
   * After a failed commit the file may hold more than the counter says (a commit can fail after it
   * reached the disk); reading the counter back keeps the next revisions unique and increasing.
   */
  private void resyncRevision() {
    try {
      long stored = readRevisions(conn)[0];
      if (stored > revisions.current()) {
        LOG.warn("Revision counter behind the file after a failed commit memory={} file={}", revisions.current(),
            stored);
        revisions.committed(stored);
      }
    } catch (SQLException e) {
      LOG.error("Cannot read the revision back after a failed commit err=\"{}\"", e.toString());
    }
  }

  private void rollbackQuietly() {
    try {
      insert.clearBatch();
      control.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite may have rolled the transaction back itself already.
      if (String.valueOf(e.getMessage()).contains("no transaction is active")) {
        LOG.debug("Rollback found no transaction");
      } else {
        LOG.warn("Rollback failed err=\"{}\"", e.toString());
      }
    }
  }

  /** Reads the latest revision and compaction revision stored in the file. */
  static long[] readRevisions(Connection conn) throws SQLException {
    long current;
    long compacted = 0;
    try (Statement st = conn.createStatement()) {
      try (ResultSet rs = st.executeQuery(Schema.MAX_REVISION)) {
        current = rs.next() ? rs.getLong(1) : 0;
      }
      try (ResultSet rs = st.executeQuery(Schema.READ_COMPACT_REVISION)) {
        if (rs.next()) {
          compacted = rs.getLong(1);
        }
      }
    }
    return new long[] {current, compacted};
  }
}
