package io.jk.apiserver.storage;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The child process of {@link DurabilityKillTest}: opens the store at {@code args[0]} and has
 * {@code args[2]} concurrent writers work under {@code args[1]} as fast as they can until killed.
 *
 * <ul>
 *   <li>mode {@code create} (default): create new keys, printing {@code ACK <key> <revision>} once
 *       each is acknowledged;
 *   <li>mode {@code cas} ({@code args[3]}): increment five counters by compare-and-swap, retrying
 *       conflicts, printing {@code CAS <key> <value> <revision>} once each increment is
 *       acknowledged.
 * </ul>
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
    if (args.length > 3 && args[3].equals("cas")) {
      for (int c = 0; c < COUNTERS; c++) {
        store.create(prefix + "counter" + c, "0".getBytes(StandardCharsets.UTF_8))
            .toCompletionStage().toCompletableFuture().handle((kv, e) -> null).get();
      }
      for (int w = 0; w < writers; w++) {
        increment(store, prefix + "counter" + (w % COUNTERS), null, out);
      }
      forever.await();
      return;
    }
    // Each writer keeps one write in flight; the acknowledgement is printed in the callback.
    for (int w = 0; w < writers; w++) {
      next(store, prefix, value, seq, out);
    }
    forever.await();
  }

  private static final int COUNTERS = 5;

  /** One CAS increment of {@code key} from {@code seen} (null: read it first), then the next. */
  private static void increment(Store store, String key, KeyValue seen, PrintStream out) {
    io.vertx.core.Future<KeyValue> current = seen != null ? io.vertx.core.Future.succeededFuture(seen)
        : store.get(key);
    current.compose(kv -> {
      long next = Long.parseLong(new String(kv.value(), StandardCharsets.UTF_8)) + 1;
      return store.update(key, Long.toString(next).getBytes(StandardCharsets.UTF_8), kv.modRevision());
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        synchronized (out) {
          out.println("CAS " + key + " " + new String(ar.result().value(), StandardCharsets.UTF_8) + " "
              + ar.result().modRevision());
          out.flush();
        }
        increment(store, key, ar.result(), out);
      } else if (ar.cause() instanceof StoreException.Conflict c) {
        increment(store, key, c.current(), out);
      } else {
        increment(store, key, null, out);
      }
    });
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
