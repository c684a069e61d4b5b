package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.StoreException;
import io.jk.common.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Conversions between stored bytes and API objects, and small accessors on object trees. */
public final class Objects {

  private Objects() {}

  /** The stored object with {@code metadata.resourceVersion} set from the key-value's revision. */
  public static ObjectNode decode(KeyValue kv) {
    return decode(kv.value(), kv.modRevision());
  }

  /** The stored bytes as an object with {@code resourceVersion} set to {@code revision}. */
  public static ObjectNode decode(byte[] value, long revision) {
    try {
      ObjectNode o = (ObjectNode) Json.mapper().readTree(value);
      o.with("metadata").put("resourceVersion", Long.toString(revision));
      return o;
    } catch (IOException | ClassCastException e) {
      throw new StoreException("stored value is not a JSON object", e);
    }
  }

  /** {@code obj} itself, which was just stored as {@code kv}, with its new {@code resourceVersion}. */
  public static ObjectNode stored(ObjectNode obj, KeyValue kv) {
    meta(obj).put("resourceVersion", Long.toString(kv.modRevision()));
    return obj;
  }

  /** The bytes to store: the object without {@code resourceVersion}. */
  public static byte[] encode(ObjectNode obj) {
    // take resourceVersion out for the write and put it back, rather than copying the whole tree
    JsonNode rv = obj.get("metadata") instanceof ObjectNode m ? m.remove("resourceVersion") : null;
    try {
      return Json.mapper().writeValueAsBytes(obj);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      if (rv != null) {
        ((ObjectNode) obj.get("metadata")).set("resourceVersion", rv);
      }
    }
  }

  /** The object's {@code metadata} (created when absent). */
  public static ObjectNode meta(ObjectNode obj) {
    JsonNode m = obj.get("metadata");
    if (m instanceof ObjectNode o) {
      return o;
    }
    return obj.putObject("metadata");
  }

  /** A text field of {@code metadata}, or {@code ""}. */
  public static String metaText(ObjectNode obj, String field) {
    return obj.path("metadata").path(field).asText("");
  }

  /** The object's labels as a map. */
  public static Map<String, String> labels(ObjectNode obj) {
    Map<String, String> m = new LinkedHashMap<>();
    obj.path("metadata").path("labels").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  /** Sets {@code apiVersion} and {@code kind} of the type. */
  public static ObjectNode typed(ObjectNode obj, ResourceType type) {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("apiVersion", type.groupVersion()).put("kind", type.kind());
    obj.remove("apiVersion");
    obj.remove("kind");
    out.setAll(obj);
    return out;
  }

  /** Now, as an RFC 3339 timestamp with second precision (as Kubernetes writes them). */
  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
