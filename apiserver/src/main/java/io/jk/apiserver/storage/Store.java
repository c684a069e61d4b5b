package io.jk.apiserver.storage;

import io.vertx.core.Future;

/**
 * A revisioned key-value store: the only thing the API server keeps its objects in.
 *
 * <p>Every write gets the next value of one store-wide revision counter (as etcd's
 * {@code mod_revision}); that revision is what the API calls {@code resourceVersion}.
 * Keys are {@code /registry/<group>/<resource>/<namespace>/<name>} and values are opaque bytes.
 *
 * <p>All methods are asynchronous and never block the caller: backends run blocking work
 * (JDBC, gRPC) on their own threads. A returned {@link Future} fails with a {@link StoreException}
 * subclass for the outcomes a caller must tell apart (already exists, conflict, not found,
 * compacted); any other failure means the write may or may not have happened and is reported
 * as a plain {@link StoreException}.
 *
 * <p>Durability: a write's future succeeds only once the write is durable (fsync'd for SQLite,
 * committed by the raft quorum for etcd).
 */
public interface Store extends AutoCloseable {

  /** The latest revision of the store (0 for an empty store). */
  Future<Long> currentRevision();

  /**
   * The current value of {@code key}.
   *
   * @return the value, or {@code null} when the key does not exist
   */
  Future<KeyValue> get(String key);

  /**
   * Keys starting with {@code prefix}, in key order.
   *
   * @param prefix key prefix (usually ending in {@code /})
   * @param startAfter only keys strictly greater than this one ({@code null}: from the start);
   *     how {@code continue} tokens are served
   * @param limit at most this many items ({@code <= 0}: no limit)
   * @param revision read as of this revision ({@code 0}: latest); a revision older than the
   *     compacted one fails with {@link StoreException.Compacted}, a revision newer than the
   *     current one with {@link StoreException.FutureRevision}
   */
  Future<ListResult> list(String prefix, String startAfter, int limit, long revision);

  /**
   * Creates {@code key}; fails with {@link StoreException.KeyExists} when it exists.
   *
   * @return the stored key-value with its new revision
   */
  Future<KeyValue> create(String key, byte[] value);

  /**
   * Replaces the value of {@code key} if its current {@code modRevision} equals
   * {@code expectedRevision} (compare-and-swap).
   *
   * @return the stored key-value; fails with {@link StoreException.Conflict} (carrying the
   *     current value) when the revision differs and {@link StoreException.NotFound} when the
   *     key does not exist
   */
  Future<KeyValue> update(String key, byte[] value, long expectedRevision);

  /**
   * Deletes {@code key} if its current {@code modRevision} equals {@code expectedRevision}
   * ({@code 0}: whatever it is).
   *
   * @return the last value, with {@code modRevision} set to the revision of the deletion;
   *     fails with {@link StoreException.NotFound} or {@link StoreException.Conflict}
   */
  Future<KeyValue> delete(String key, long expectedRevision);

  /**
   * Streams every change to keys under {@code prefix} with a revision strictly greater than
   * {@code afterRevision}, in revision order, with no gap and no duplicate.
   *
   * <p>Events are delivered on a backend thread, one batch at a time per watch; the listener
   * must not block. If {@code afterRevision} has been compacted the listener's
   * {@link WatchListener#onError} gets {@link StoreException.Compacted} and the watch ends.
   *
   * @return a handle whose {@code close()} ends the watch
   */
  Watch watch(String prefix, long afterRevision, WatchListener listener);

  /**
   * Removes history older than {@code revision}: reads and watches at a lower revision fail
   * with {@link StoreException.Compacted} afterwards. The current value of every key is kept.
   */
  Future<Void> compact(long revision);

  /** The revision below which history is gone (0 when nothing was compacted). */
  long compactedRevision();

  /** Releases connections and threads; pending writes complete or fail first. */
  @Override
  void close();
}
