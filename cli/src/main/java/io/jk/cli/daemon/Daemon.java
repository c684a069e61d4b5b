package io.jk.cli.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jkctl daemon: a warm JVM that runs the {@code jkctl} commands the C client hands it, so
 * that a command costs a socket round trip instead of a JVM start, and keeps API clients (TLS
 * set up, connection open) between commands.
 *
 * <p>Life: holds {@code DIR/lock} for its whole life (a second daemon started at the same time
 * finds it taken and exits), binds {@code DIR/sock}, serves up to {@code maxRequests} commands
 * at once (more are answered "busy" and the client runs them itself), and ends after
 * {@code idleTimeout} without a request, on {@code jkctl daemon stop}, or when a client of
 * another build asks (its jar is not the client's). Ending: the socket is removed first, so new
 * clients run commands themselves, running commands get a few seconds to finish, then the lock
 * is released and the process exits.
 */
public final class Daemon {

  /** How long running commands may take to finish when the daemon ends. */
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private final SocketDir dir;
  private final String buildId;
  private final Duration idleTimeout;
  private final int maxRequests;
  private final ClientPool clients = new ClientPool();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong lastActive = new AtomicLong(System.nanoTime());
  private final Instant started = Instant.now();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "jkctl-daemon-timer");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean stopping;
  private volatile String stopReason;
  private ServerSocketChannel server;
  /** The bound socket file's identity: when it is gone or replaced, no client can reach this daemon. */
  private Object socketKey;
  private FileChannel lockFile;
  private FileLock lock;

  Daemon(SocketDir dir, String buildId, Duration idleTimeout, int maxRequests) {
    this.dir = dir;
    this.buildId = buildId;
    this.idleTimeout = idleTimeout;
    this.maxRequests = maxRequests;
  }

  /**
   * Takes the lock and binds the socket.
   *
   * @return false when another daemon holds the lock (this one should just exit)
   */
  boolean bind() throws IOException {
    lockFile = FileChannel.open(dir.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    // a daemon that is ending holds the lock for at most DRAIN: wait a little for it
    long deadline = System.nanoTime() + 3_000_000_000L;
    while ((lock = lockFile.tryLock()) == null) {
      if (System.nanoTime() > deadline) {
        lockFile.close();
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        lockFile.close();
        return false;
      }
    }
    Files.deleteIfExists(dir.socket()); // left by a daemon that was killed: we hold the lock, so it is not in use
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(dir.socket()));
    socketKey = socketKey();
    return true;
  }

  /** Serves until the daemon ends. */
  void serve() {
    log("Daemon started", "pid", String.valueOf(ProcessHandle.current().pid()), "socket", dir.socket().toString(),
        "build", buildId, "idleTimeout", idleTimeout.toString(), "maxRequests", String.valueOf(maxRequests));
    timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    var me = new com.sun.security.auth.module.UnixSystem();
    while (!stopping) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException e) {
        log("Accept failed", "err", e.getMessage());
        continue;
      }
      if (!sameUser(ch, me.getUsername(), me.getUid())) {
        close(ch);
        continue;
      }
      if (connections.incrementAndGet() > 64) {
        connections.decrementAndGet();
        close(ch); // the client sees a broken connection and runs the command itself
        continue;
      }
      Thread t = new Thread(() -> {
        try {
          new RequestHandler(this, ch).run();
        } finally {
          connections.decrementAndGet();
        }
      }, "jkctl-daemon-request");
      t.setDaemon(true);
      t.start();
    }
    try {
      ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The peer must be this daemon's user (the directory's mode already keeps others out: belt and braces). */
  private static boolean sameUser(SocketChannel ch, String me, long uid) {
    try {
      var peer = ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
      // a uid without a passwd entry has its number for a name
      if (peer.user().getName().equals(me) || peer.user().getName().equals(Long.toString(uid))) {
        return true;
      }
      log("Connection refused", "peer", peer.user().getName());
    } catch (IOException | UnsupportedOperationException e) {
      log("Connection refused", "err", String.valueOf(e.getMessage()));
    }
    return false;
  }

  private static void close(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private Object socketKey() {
    try {
      return Files.readAttributes(dir.socket(), java.nio.file.attribute.BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private void tick() {
    clients.expire();
    if (!stopping && (socketKey == null || !socketKey.equals(socketKey()))) {
      shutdown("the socket " + dir.socket() + " was removed");
      return;
    }
    if (!stopping && active.get() == 0 && System.nanoTime() - lastActive.get() > idleTimeout.toNanos()) {
      shutdown("idle for " + idleTimeout);
    }
  }

  /** Takes a request slot; false when {@code maxRequests} run already (the client is told "busy"). */
  boolean enter() {
    while (true) {
      int n = active.get();
      if (n >= maxRequests || stopping) {
        return false;
      }
      if (active.compareAndSet(n, n + 1)) {
        lastActive.set(System.nanoTime());
        return true;
      }
    }
  }

  /** Gives a request slot back; {@code ran}: the command ran (the client did not give up first). */
  void leave(boolean ran) {
    if (ran) {
      served.incrementAndGet();
    }
    lastActive.set(System.nanoTime());
    active.decrementAndGet();
  }

  ClientPool clients() {
    return clients;
  }

  String buildId() {
    return buildId;
  }

  /** What {@code jkctl daemon status} prints. */
  String status() {
    return "jkctl daemon running: pid " + ProcessHandle.current().pid() + ", build " + buildId + ", up "
        + Duration.between(started, Instant.now()).toSeconds() + "s, " + served.get() + " commands served, "
        + active.get() + " running, " + clients.size() + " idle API connections, idle timeout " + idleTimeout
        + ", socket " + dir.socket() + "\n";
  }

  /**
   * Ends the daemon (once): the socket goes first so that new clients run commands themselves,
   * then running commands get {@link #DRAIN} to finish, then the lock is released and the
   * process's {@link #serve()} returns.
   */
  void shutdown(String why) {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
      stopReason = why;
    }
    log("Daemon stopping", "reason", why);
    try {
      // only our own: the directory may have been removed and made anew, with another daemon in it
      if (socketKey != null && socketKey.equals(socketKey())) {
        Files.deleteIfExists(dir.socket());
      }
    } catch (IOException e) {
      log("Cannot remove the socket", "err", e.getMessage());
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    Thread t = new Thread(() -> {
      long deadline = System.nanoTime() + DRAIN.toNanos();
      while (active.get() > 0 && System.nanoTime() < deadline) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          break;
        }
      }
      clients.clear();
      try {
        lock.release();
        lockFile.close();
      } catch (IOException e) {
        // the process ends anyway, which releases it
      }
      timer.shutdownNow();
      log("Daemon stopped", "reason", stopReason, "served", String.valueOf(served.get()));
      ended.countDown();
    }, "jkctl-daemon-drain");
    t.setDaemon(true);
    t.start();
  }

  /** One log line on stderr (the daemon's log file): the jkctl class path carries no logging library. */
  static void log(String msg, String... kv) {
    StringBuilder b = new StringBuilder(128).append(Instant.now()).append(' ').append(msg);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      String v = kv[i + 1] == null ? "" : kv[i + 1];
      b.append(' ').append(kv[i]).append('=');
      if (v.isEmpty() || v.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=')) {
        b.append('"').append(v.replace("\"", "\\\"")).append('"');
      } else {
        b.append(v);
      }
    }
    System.err.println(b);
  }
}
