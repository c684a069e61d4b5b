package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.CallerCompletion;
import io.jk.apiserver.storage.StoreException;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Read threads, each with its own connection; WAL lets them read while the writer commits. Every
 * task runs in one read transaction, so it sees one snapshot of the file.
 */
final class Readers {

  private static final Logger LOG = LoggerFactory.getLogger(Readers.class);

  /** A read against one connection. */
  interface Task<T> {
    T run(Connection conn) throws SQLException;
  }

  private final String url;
  private final SQLiteConfig config;
  private final ExecutorService pool;
  private final ThreadLocal<Connection> connection = new ThreadLocal<>();
  private final Queue<Connection> all = new ConcurrentLinkedQueue<>();

  Readers(String url, SQLiteConfig config, int threads, String name) {
    this.url = url;
    this.config = config;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "jk-sqlite-reader-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code task} in a read transaction on a read thread; the result completes on the caller's context. */
  <T> Future<T> submit(Task<T> task) {
    CallerCompletion<T> done = CallerCompletion.forCaller();
    try {
      pool.execute(() -> {
        try {
          done.succeed(inTransaction(task));
        } catch (StoreException e) {
          done.fail(e);
        } catch (SQLException | RuntimeException e) {
          done.fail(new StoreException("read failed: " + e.getMessage(), e));
        }
      });
    } catch (RejectedExecutionException e) {
      done.fail(new StoreException("store is closed"));
    }
    return done.future();
  }

  /** Runs {@code work} on a read thread. */
  void execute(Runnable work) {
    try {
      pool.execute(work);
    } catch (RejectedExecutionException e) {
      LOG.debug("Read pool closed, dropping work");
    }
  }

  /** Runs {@code task} in one read transaction on the current (read) thread. */
  <T> T inTransaction(Task<T> task) throws SQLException {
    Connection conn = connection.get();
    if (conn == null) {
      conn = config.createConnection(url);
      connection.set(conn);
      all.add(conn);
    }
    // Explicit BEGIN/ROLLBACK (see Writer): one snapshot from the first read to the end of the task.
    try (Statement st = conn.createStatement()) {
      st.execute("BEGIN");
      try {
        return task.run(conn);
      } finally {
        try {
          st.execute("ROLLBACK");
        } catch (SQLException e) {
          LOG.debug("Read rollback failed err=\"{}\"", e.toString());
        }
      }
    }
  }

  void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Connection c : all) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("Closing SQLite read connection failed err=\"{}\"", e.toString());
      }
    }
  }
}
