package io.jk.kubelet.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when a shim has written a container's {@code exit.json}, through one inotify watch service
 * for the whole node (no polling): a bundle directory is watched only while someone waits for it.
 * The shim writes the file atomically (a rename), which inotify reports as a create.
 */
public final class ExitWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);
  static final String EXIT_FILE = "exit.json";

  private final WatchService service;
  private final Map<Path, Watch> watches = new HashMap<>();
  private final Thread thread;

  private static final class Watch {
    final WatchKey key;
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();

    Watch(WatchKey key) {
      this.key = key;
    }
  }

  public ExitWatcher() {
    try {
      service = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot watch container exits", e);
    }
    thread = new Thread(this::loop, "kubelet-exit-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Completes once {@code bundle/exit.json} exists (at once when it already does); completes
   * exceptionally when the directory cannot be watched (it is gone). Callers bound their wait.
   */
  public CompletableFuture<Void> exited(Path bundle) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Path dir = bundle.toAbsolutePath().normalize();
    synchronized (watches) {
      Watch w = watches.get(dir);
      if (w == null) {
        try {
          w = new Watch(dir.register(service, StandardWatchEventKinds.ENTRY_CREATE));
        } catch (IOException | ClosedWatchServiceException e) {
          f.completeExceptionally(e);
          return f;
        }
        watches.put(dir, w);
      }
      w.waiters.add(f);
    }
    // the file may have appeared before the watch existed
    if (Files.exists(dir.resolve(EXIT_FILE))) {
      complete(dir);
    }
    return f;
  }

  /** Stops waiting on {@code f} (a caller that gave up): its watch ends when nobody else waits. */
  public void cancel(Path bundle, CompletableFuture<Void> f) {
    Path dir = bundle.toAbsolutePath().normalize();
    synchronized (watches) {
      Watch w = watches.get(dir);
      if (w != null && w.waiters.remove(f) && w.waiters.isEmpty()) {
        w.key.cancel();
        watches.remove(dir);
      }
    }
  }

  private void complete(Path dir) {
    Watch w;
    synchronized (watches) {
      w = watches.remove(dir);
      if (w != null) {
        w.key.cancel();
      }
    }
    if (w != null) {
      w.waiters.forEach(f -> f.complete(null));
    }
  }

  private void loop() {
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      Path dir = (Path) key.watchable();
      boolean exited = false;
      for (WatchEvent<?> ev : key.pollEvents()) {
        if (ev.kind() == StandardWatchEventKinds.OVERFLOW || EXIT_FILE.equals(String.valueOf(ev.context()))) {
          exited |= Files.exists(dir.resolve(EXIT_FILE));
        }
      }
      if (exited) {
        complete(dir);
      } else if (!key.reset()) {
        // the directory went away: nothing will ever appear in it
        Watch w;
        synchronized (watches) {
          w = watches.remove(dir);
        }
        if (w != null) {
          LOG.debug("Watched bundle directory gone dir={}", dir);
          w.waiters.forEach(f -> f.completeExceptionally(new IOException("directory gone: " + dir)));
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      LOG.debug("Exit watcher close failed err={}", e.getMessage());
    }
  }
}
