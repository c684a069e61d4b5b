package io.jk.apiserver.server;

import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A {@link Store} that records the latency of every operation as {@code apiserver_storage_duration_seconds}. */
final class MeteredStore implements Store {

  private final Store delegate;
  private final MeterRegistry registry;

  MeteredStore(Store delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  /** One timer per operation, registered on first use rather than looked up on every call. */
  private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

  private <T> Future<T> timed(String op, Supplier<Future<T>> call) {
    long start = System.nanoTime();
    Timer timer = timers.computeIfAbsent(op, o -> Timer.builder("apiserver_storage_duration_seconds")
        .tag("operation", o).publishPercentileHistogram().register(registry));
    return call.get().onComplete(ar -> timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  @Override
  public Future<Long> currentRevision() {
    return delegate.currentRevision();
  }

  @Override
  public Future<KeyValue> get(String key) {
    return timed("get", () -> delegate.get(key));
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    return timed("list", () -> delegate.list(prefix, startAfter, limit, revision));
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return timed("create", () -> delegate.create(key, value));
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return timed("update", () -> delegate.update(key, value, expectedRevision));
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return timed("delete", () -> delegate.delete(key, expectedRevision));
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    return delegate.watch(prefix, afterRevision, listener);
  }

  @Override
  public Future<Void> compact(long revision) {
    return delegate.compact(revision);
  }

  @Override
  public long compactedRevision() {
    return delegate.compactedRevision();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
