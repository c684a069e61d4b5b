package io.jk.kubelet.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read/write lock on a file that holds across threads and processes: the kubelet and a
 * {@code jk image import} run beside it share the image store. Shared holders (pulls, imports) may run
 * together; an exclusive holder (pruning, an index update) runs alone.
 *
 * <p>A JVM may hold a lock on a file only once, so one instance per file and JVM keeps a
 * {@link ReentrantReadWriteLock} for its threads and takes the file lock (fcntl) for the first
 * shared holder and for each exclusive one.
 */
final class StoreLock {
  private static final Map<Path, StoreLock> BY_FILE = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantReadWriteLock threads = new ReentrantReadWriteLock();
  private int sharedHolders;
  private FileChannel sharedChannel;
  private FileChannel exclusiveChannel;

  private StoreLock(Path file) {
    this.file = file;
  }

  /** The lock of {@code file} (created when missing) in this JVM. */
  static StoreLock of(Path file) {
    return BY_FILE.computeIfAbsent(file.toAbsolutePath().normalize(), StoreLock::new);
  }

  void lockShared() {
    threads.readLock().lock();
    synchronized (this) {
      if (sharedHolders == 0) {
        try {
          sharedChannel = open();
          sharedChannel.lock(0, Long.MAX_VALUE, true);
        } catch (IOException e) {
          closeQuietly(sharedChannel);
          threads.readLock().unlock();
          throw new UncheckedIOException("locking " + file, e);
        }
      }
      sharedHolders++;
    }
  }

  void unlockShared() {
    synchronized (this) {
      if (--sharedHolders == 0) {
        // closing the channel releases its lock
        closeQuietly(sharedChannel);
        sharedChannel = null;
      }
    }
    threads.readLock().unlock();
  }

  void lockExclusive() {
    threads.writeLock().lock();
    if (threads.getWriteHoldCount() > 1) {
      return;
    }
    try {
      exclusiveChannel = open();
      FileLock l = exclusiveChannel.lock();
      assert l.isValid();
    } catch (IOException e) {
      closeQuietly(exclusiveChannel);
      threads.writeLock().unlock();
      throw new UncheckedIOException("locking " + file, e);
    }
  }

  void unlockExclusive() {
    if (threads.getWriteHoldCount() == 1) {
      closeQuietly(exclusiveChannel);
      exclusiveChannel = null;
    }
    threads.writeLock().unlock();
  }

  private FileChannel open() throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // the lock goes with the descriptor
      }
    }
  }
}
