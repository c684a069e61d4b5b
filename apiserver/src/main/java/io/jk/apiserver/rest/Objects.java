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

  /**
   * The JSON of a stored object with {@code metadata.resourceVersion} added as the last field of
   * its top-level {@code metadata}: the same bytes as serializing the decoded object, found by one
   * scan instead of a parse and a serialization. {@code null} when {@code stored} has no
   * top-level metadata object.
   */
  public static byte[] withVersion(byte[] stored, long revision) {
    int depth = 0;
    int metaStart = -1;
    boolean inString = false;
    boolean key = false;
    int stringStart = -1;
    byte[] name = {'"', 'm', 'e', 't', 'a', 'd', 'a', 't', 'a', '"'};
    for (int i = 0; i < stored.length; i++) {
      byte b = stored[i];
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
          key = depth == 1 && metaStart < 0 && i + 1 - stringStart == name.length
              && java.util.Arrays.equals(stored, stringStart, i + 1, name, 0, name.length);
        }
        continue;
      }
      switch (b) {
        case '"' -> {
          inString = true;
          stringStart = i;
        }
        case ':' -> {
          if (key) {
            if (i + 1 >= stored.length || stored[i + 1] != '{') {
              return null;
            }
            metaStart = i + 1;
          }
        }
        case '{', '[' -> depth++;
        case '}', ']' -> {
          depth--;
          if (depth == 1 && metaStart >= 0 && b == '}') {
            boolean empty = i == metaStart + 1;
            byte[] rv = ((empty ? "" : ",") + "\"resourceVersion\":\"" + revision + "\"")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] out = new byte[stored.length + rv.length];
            System.arraycopy(stored, 0, out, 0, i);
            System.arraycopy(rv, 0, out, i, rv.length);
            System.arraycopy(stored, i, out, i + rv.length, stored.length - i);
            return out;
          }
        }
        default -> {
          if (b != ',' && b != ' ') {
            key = false;
          }
        }
      }
      if (b == ',') {
        key = false;
      }
    }
    return null;
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
