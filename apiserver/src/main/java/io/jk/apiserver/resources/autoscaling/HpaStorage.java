package io.jk.apiserver.resources.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ForwardingStore;
import io.jk.apiserver.storage.Store;
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
public final class HpaStorage extends ForwardingStore {

  /** Where HPAs are stored. */
  public static final String PREFIX = "/registry/autoscaling/horizontalpodautoscalers/";

  /** Converts HPA writes into {@code store} (closed by {@link #close()}). */
  public HpaStorage(Store store) {
    super(store);
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
  public Future<KeyValue> create(String key, byte[] value) {
    return delegate.create(key, in(key, value));
  }

  @Override
  public Future<KeyValue> update(String key, byte[] value, long expectedRevision) {
    return delegate.update(key, in(key, value), expectedRevision);
  }
}
