package io.jk.apiserver.storage;

import io.vertx.core.Future;

/**
 * A {@link Store} that passes every call to the store below it; a wrapper extends it and overrides
 * only what it changes (e.g. {@code resources.autoscaling.HpaStorage} rewrites some writes).
 * {@link #close()} closes the store below.
 */
public abstract class ForwardingStore implements Store {

  /** The store below. */
  protected final Store delegate;

  protected ForwardingStore(Store delegate) {
    this.delegate = delegate;
  }

  @Override
  public Future<Long> currentRevision() {
    return delegate.currentRevision();
  }

  @Override
  public Future<KeyValue> get(String key) {
    return delegate.get(key);
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    return delegate.list(prefix, startAfter, limit, revision);
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return delegate.create(key, value);
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return delegate.update(key, value, expectedRevision);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return delegate.delete(key, expectedRevision);
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
