package io.jk.apiserver.storage;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child process of {@link DurabilityKillTest}: opens the store at {@code args[0]} and has
 * {@code args[2]} concurrent writers create keys under {@code args[1]} as fast as they can, printing
 * {@code ACK <key> <revision>} for each write only after the store acknowledged it. It runs until
 * it is killed.
 */
public final class DurabilityWriterMain {

  private DurabilityWriterMain() {}

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    String prefix = args[1];
    int writers = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
        StandardCharsets.UTF_8);
    Store store = StoreFactory.open(endpoint, StoreOptions.defaults());
    byte[] value = new byte[256];
    java.util.Arrays.fill(value, (byte) 'x');
    AtomicInteger seq = new AtomicInteger();
    CountDownLatch forever = new CountDownLatch(1);
    synchronized (out) {
      out.println("READY " + store.currentRevision().toCompletionStage().toCompletableFuture().get());
      out.flush();
    }
    // Each writer keeps one write in flight; the acknowledgement is printed in the callback.
    for (int w = 0; w < writers; w++) {
      next(store, prefix, value, seq, out);
    }
    forever.await();
  }

  private static void next(Store store, String prefix, byte[] value, AtomicInteger seq, PrintStream out) {
    String key = prefix + seq.incrementAndGet();
    store.create(key, value).onComplete(ar -> {
      if (ar.succeeded()) {
        synchronized (out) {
          out.println("ACK " + key + " " + ar.result().modRevision());
          out.flush();
        }
      }
      next(store, prefix, value, seq, out);
    });
  }
}
