package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.CallerCompletion;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded store: one SQLite file holding an append-only log of revisions (see {@link Schema}),
 * written the way k3s's kine does it, with group commit and push-based watches.
 *
 * <ul>
 *   <li>WAL journal, {@code synchronous=FULL}: a write is acknowledged only after its batch's commit
 *       is fsync'd.
 *   <li>One writer thread commits every pending write in one transaction ({@link Writer}).
 *   <li>Reads run on their own connections and threads beside the writer ({@link Readers}).
 *   <li>Watches get each committed batch from the writer directly; a watch from an older revision
 *       replays the log first ({@link SqliteWatch}).
 *   <li>Compaction on a timer keeps a window of history.
 *   <li>The file is locked ({@code <db>.lock}) so two processes never write one file.
 * </ul>
 */
public final class SqliteStore implements Store {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);
  private static final int REPLAY_PAGE = 1_000;

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection writeConn;
  private final AtomicLong current;
  private volatile long compacted;
  private final WatchHub hub;
  private final Writer writer;
  private final Readers readers;
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  private SqliteStore(Path path, StoreOptions options, FileChannel lockChannel, FileLock lock, Connection writeConn,
      long current, long compacted) throws SQLException {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writeConn = writeConn;
    this.current = new AtomicLong(current);
    this.compacted = compacted;
    String name = path.getFileName().toString();
    this.hub = new WatchHub(name);
    this.writer = new Writer(writeConn, options.maxWriteBatch(), new Writer.Revisions() {
      @Override
      public long current() {
        return SqliteStore.this.current.get();
      }

      @Override
      public void committed(long revision) {
        SqliteStore.this.current.set(revision);
      }

      @Override
      public long compacted() {
        return SqliteStore.this.compacted;
      }

      @Override
      public void compacting(long revision) {
        SqliteStore.this.compacted = revision;
      }
    }, hub, name);
    this.readers = new Readers(jdbcUrl(path), readConfig(), options.readThreads(), name);
    this.writer.start();
    if (!options.compactInterval().isZero() && !options.compactInterval().isNegative()) {
      long every = options.compactInterval().toMillis();
      long keep = options.compactKeepRevisions();
      this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jk-sqlite-compactor-" + name);
        t.setDaemon(true);
        return t;
      });
      timer.scheduleWithFixedDelay(() -> autoCompact(keep), every, every, TimeUnit.MILLISECONDS);
    } else {
      this.timer = null;
    }
  }

  /**
   * Opens (creating if missing) the store in {@code path}.
   *
   * @throws StoreException when the file cannot be opened or another store holds it
   */
  public static SqliteStore open(Path path, StoreOptions options) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(options, "options");
    Path abs = path.toAbsolutePath();
    FileChannel channel = null;
    FileLock lock = null;
    Connection conn = null;
    try {
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      channel = FileChannel.open(Path.of(abs + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new StoreException("SQLite store " + abs + " is already open in another store or process");
      }
      SQLiteConfig config = readConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      conn = config.createConnection(jdbcUrl(abs));
      try (Statement st = conn.createStatement()) {
        for (String ddl : Schema.CREATE) {
          st.executeUpdate(ddl);
        }
        try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
          if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
            throw new StoreException("SQLite store " + abs + " could not switch to WAL journal mode");
          }
        }
        try (ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
          // 2 = FULL: the WAL is fsync'd at every commit, so an acknowledged write survives power loss.
          if (!rs.next() || rs.getInt(1) != 2) {
            throw new StoreException("SQLite store " + abs + " could not set synchronous=FULL");
          }
        }
      }
      long[] revs = Writer.readRevisions(conn);
      LOG.info("Opened SQLite store path={} revision={} compactedRevision={}", abs, revs[0], revs[1]);
      return new SqliteStore(abs, options, channel, lock, conn, revs[0], revs[1]);
    } catch (IOException | SQLException e) {
      closeQuietly(conn, lock, channel);
      throw new StoreException("cannot open SQLite store " + abs + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(conn, lock, channel);
      throw e;
    }
  }

  private static SQLiteConfig readConfig() {
    SQLiteConfig config = new SQLiteConfig();
    // Durable before acknowledged: fsync the WAL at every commit (kine leaves the default).
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(30_000);
    return config;
  }

  private static String jdbcUrl(Path path) {
    return "jdbc:sqlite:" + path;
  }

  /** The database file. */
  public Path path() {
    return path;
  }

  @Override
  public Future<Long> currentRevision() {
    return Future.succeededFuture(current.get());
  }

  @Override
  public long compactedRevision() {
    return compacted;
  }

  @Override
  public Future<KeyValue> get(String key) {
    if (key == null || key.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty"));
    }
    return readers.submit(conn -> {
      try (PreparedStatement ps = conn.prepareStatement(Schema.CURRENT_ROW)) {
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || rs.getInt(3) != 0) {
            return null;
          }
          return new KeyValue(key, rs.getBytes(4), rs.getLong(2), rs.getLong(1));
        }
      }
    });
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    if (prefix == null) {
      return Future.failedFuture(new IllegalArgumentException("prefix must not be null"));
    }
    if (revision < 0) {
      return Future.failedFuture(new IllegalArgumentException("revision must be >= 0, got " + revision));
    }
    long cur = current.get();
    if (revision > cur) {
      return Future.failedFuture(new StoreException.FutureRevision(revision, cur));
    }
    if (revision != 0 && revision < compacted) {
      return Future.failedFuture(new StoreException.Compacted(revision, compacted));
    }
    long rev = revision == 0 ? cur : revision;
    KeyRange range = KeyRange.of(prefix);
    return readers.submit(conn -> {
      List<KeyValue> items = new ArrayList<>();
      boolean more = false;
      boolean after = startAfter != null && startAfter.compareTo(prefix) >= 0;
      try (PreparedStatement ps = conn.prepareStatement(after ? Schema.LIST_AFTER : Schema.LIST_FROM)) {
        ps.setString(1, after ? startAfter : prefix);
        ps.setObject(2, range.upper());
        ps.setLong(3, rev);
        ps.setLong(4, rev);
        ps.setLong(5, limit <= 0 ? -1 : (long) limit + 1);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(2);
            if (!range.matches(name)) {
              break;
            }
            if (limit > 0 && items.size() == limit) {
              more = true;
              break;
            }
            items.add(new KeyValue(name, rs.getBytes(4), rs.getLong(3), rs.getLong(1)));
          }
        }
      }
      long nowCompacted = compacted;
      if (nowCompacted > rev) {
        throw new StoreException.Compacted(rev, nowCompacted);
      }
      return new ListResult(items, rev, more);
    });
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return write(WriteOp.Kind.CREATE, key, value, 0);
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return write(WriteOp.Kind.UPDATE, key, value, expectedRevision);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return write(WriteOp.Kind.DELETE, key, null, expectedRevision);
  }

  private Future<KeyValue> write(WriteOp.Kind kind, String key, byte[] value, long revision) {
    if (key == null || key.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("key must not be empty"));
    }
    if (kind != WriteOp.Kind.DELETE && value == null) {
      return Future.failedFuture(new IllegalArgumentException("value must not be null"));
    }
    CallerCompletion<KeyValue> done = CallerCompletion.forCaller();
    writer.submit(new WriteOp(kind, key, value, revision, done));
    return done.future();
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(listener, "listener");
    KeyRange range = KeyRange.of(prefix);
    SqliteWatch watch = new SqliteWatch(range, afterRevision, listener, hub);
    if (closed) {
      watch.fail(new StoreException("store is closed"));
      return watch;
    }
    // Join the live stream before reading the revision the replay goes up to: no gap.
    hub.add(watch);
    long upTo = current.get();
    if (afterRevision < compacted) {
      long c = compacted;
      readers.execute(() -> watch.fail(new StoreException.Compacted(afterRevision, c)));
      return watch;
    }
    if (afterRevision >= upTo) {
      watch.replayDone(upTo);
      return watch;
    }
    readers.execute(() -> replay(watch, range, afterRevision, upTo));
    return watch;
  }

  private void replay(SqliteWatch watch, KeyRange range, long afterRevision, long upTo) {
    try {
      readers.inTransaction(conn -> {
        try (PreparedStatement ps = conn.prepareStatement(Schema.CHANGES)) {
          long cursor = afterRevision;
          boolean first = true;
          while (cursor < upTo) {
            ps.setLong(1, cursor);
            ps.setLong(2, upTo);
            ps.setString(3, range.prefix());
            ps.setObject(4, range.upper());
            ps.setLong(5, REPLAY_PAGE);
            List<WatchEvent> page = new ArrayList<>();
            long last = cursor;
            int rows = 0;
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows++;
                last = rs.getLong(1);
                String name = rs.getString(2);
                if (range.matches(name)) {
                  page.add(changeEvent(rs, name));
                }
              }
            }
            if (first) {
              // The snapshot is fixed now; a compaction announced before it may have removed rows.
              long c = compacted;
              if (c > afterRevision) {
                throw new StoreException.Compacted(afterRevision, c);
              }
              first = false;
            }
            watch.replayed(page);
            if (rows < REPLAY_PAGE) {
              break;
            }
            cursor = last;
          }
        }
        return null;
      });
      watch.replayDone(upTo);
    } catch (StoreException e) {
      watch.fail(e);
    } catch (Exception e) {
      watch.fail(new StoreException("watch replay failed: " + e.getMessage(), e));
    }
  }

  private static WatchEvent changeEvent(ResultSet rs, String name) throws SQLException {
    long id = rs.getLong(1);
    boolean created = rs.getInt(3) != 0;
    boolean deleted = rs.getInt(4) != 0;
    KeyValue kv = new KeyValue(name, rs.getBytes(6), rs.getLong(5), id);
    KeyValue prev = null;
    long prevId = rs.getLong(7);
    if (!rs.wasNull() && rs.getInt(10) == 0) {
      prev = new KeyValue(name, rs.getBytes(9), rs.getLong(8), prevId);
    }
    WatchEvent.Type type = deleted ? WatchEvent.Type.DELETE
        : created ? WatchEvent.Type.CREATE : WatchEvent.Type.UPDATE;
    return new WatchEvent(type, kv, type == WatchEvent.Type.CREATE ? null : prev);
  }

  @Override
  public Future<Void> compact(long revision) {
    if (revision < 0) {
      return Future.failedFuture(new IllegalArgumentException("revision must be >= 0, got " + revision));
    }
    CallerCompletion<KeyValue> done = CallerCompletion.forCaller();
    writer.submit(new WriteOp(WriteOp.Kind.COMPACT, null, null, revision, done));
    return done.future().mapEmpty();
  }

  private void autoCompact(long keep) {
    long target = current.get() - keep;
    if (target > compacted) {
      compact(target).onFailure(e -> LOG.warn("Automatic compaction failed revision={} err=\"{}\"", target,
          e.toString()));
    }
  }

  /** Number of live watches (for tests and metrics). */
  public int watchCount() {
    return hub.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (timer != null) {
      timer.shutdownNow();
    }
    writer.stop();
    hub.close();
    readers.close();
    closeQuietly(writeConn, lock, lockChannel);
    LOG.info("Closed SQLite store path={} revision={}", path, current.get());
  }

  private static void closeQuietly(Connection conn, FileLock lock, FileChannel channel) {
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (SQLException e) {
      LOG.warn("Closing SQLite connection failed err=\"{}\"", e.toString());
    }
    try {
      if (lock != null) {
        lock.release();
      }
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      LOG.warn("Releasing SQLite store lock failed err=\"{}\"", e.toString());
    }
  }
}
