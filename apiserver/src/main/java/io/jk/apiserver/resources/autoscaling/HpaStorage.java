package io.jk.apiserver.resources.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchListener;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import java.io.IOException;

/**
 * A {@link Store} that keeps every HorizontalPodAutoscaler as autoscaling/v2: an object written
 * through autoscaling/v1 (as {@code kubectl autoscale} does) is converted by {@link HpaConversion}
 * before it is stored, so the controller and v2 readers see one form. Every other write, and every
 * read, passes through untouched.
 *
 * <p>Reads through the v1 API therefore return the stored v2 form (labelled
 * {@code autoscaling/v2}); converting reads would need a version-aware key space in the REST layer.
 */
public final class HpaStorage implements Store {

  /** Where HPAs are stored. */
  public static final String PREFIX = "/registry/autoscaling/horizontalpodautoscalers/";

  private final Store store;

  /** Converts HPA writes into {@code store} (not closed by {@link #close()}). */
  public HpaStorage(Store store) {
    this.store = store;
  }

  private static byte[] in(String key, byte[] value) {
    if (key == null || !key.startsWith(PREFIX) || value == null || value.length == 0) {
      return value;
    }
    try {
      JsonNode n = Json.mapper().readTree(value);
      if (!(n instanceof ObjectNode o) || !HpaConversion.isV1(o)) {
        return value;
      }
      return Json.mapper().writeValueAsBytes(HpaConversion.toV2(o));
    } catch (IOException e) {
      return value; // not ours to judge: the caller reports what it cannot decode
    }
  }

  @Override
  public Future<Long> currentRevision() {
    return store.currentRevision();
  }

  @Override
  public Future<KeyValue> get(String key) {
    return store.get(key);
  }

  @Override
  public Future<ListResult> list(String prefix, String startAfter, int limit, long revision) {
    return store.list(prefix, startAfter, limit, revision);
  }

  @Override
  public Future<KeyValue> create(String key, byte[] value) {
    return store.create(key, in(key, value));
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return store.update(key, in(key, value), expectedRevision);
  }

  @Override
  public Future<KeyValue> delete(String key, long expectedRevision) {
    return store.delete(key, expectedRevision);
  }

  @Override
  public Watch watch(String prefix, long afterRevision, WatchListener listener) {
    return store.watch(prefix, afterRevision, listener);
  }

  @Override
  public Future<Void> compact(long revision) {
    return store.compact(revision);
  }

  @Override
  public long compactedRevision() {
    return store.compactedRevision();
  }

  /** Closes the store below, as the store it wraps is closed by whoever closes this one. */
  @Override
  public void close() {
    store.close();
  }
}
