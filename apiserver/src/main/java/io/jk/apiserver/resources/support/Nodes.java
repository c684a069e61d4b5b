package io.jk.apiserver.resources.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Null-safe navigation of Jackson trees in wire form.
 *
 * <p>Objects reach the strategies as clients sent them, so any field may be missing or of the
 * wrong JSON type. Readers return {@code null} (or empty) for both; {@link #ensureObject} hands
 * back a detached node when the field holds something else than an object, so defaulting code
 * never has to check and never overwrites a client's (invalid) value.
 */
public final class Nodes {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Nodes() {}

  /** The child object {@code field} of {@code parent}, or {@code null}. */
  public static ObjectNode object(JsonNode parent, String field) {
    if (parent == null) {
      return null;
    }
    JsonNode n = parent.get(field);
    return n instanceof ObjectNode o ? o : null;
  }

  /** Follows a path of object fields; {@code null} when any step is missing. */
  public static ObjectNode object(JsonNode parent, String... path) {
    JsonNode cur = parent;
    for (String p : path) {
      cur = object(cur, p);
      if (cur == null) {
        return null;
      }
    }
    return (ObjectNode) cur;
  }

  /**
   * The child object {@code field}, created when missing or {@code null}. If the field holds a
   * non-object value, a detached empty object is returned and the tree is left as it is.
   */
  public static ObjectNode ensureObject(ObjectNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n instanceof ObjectNode o) {
      return o;
    }
    if (n == null || n.isNull()) {
      return parent.putObject(field);
    }
    return F.objectNode();
  }

  /** The text value of {@code field}, or {@code null} when missing or not a string. */
  public static String text(JsonNode parent, String field) {
    if (parent == null) {
      return null;
    }
    JsonNode n = parent.get(field);
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  /** The text value, or {@code ""}. */
  public static String str(JsonNode parent, String field) {
    String s = text(parent, field);
    return s == null ? "" : s;
  }

  /** The integral value of {@code field}, or {@code null} when missing or not an integer. */
  public static Long integer(JsonNode parent, String field) {
    if (parent == null) {
      return null;
    }
    JsonNode n = parent.get(field);
    return n != null && n.isIntegralNumber() && n.canConvertToLong() ? n.longValue() : null;
  }

  /** The integral value of {@code field}, or {@code dflt}. */
  public static long integer(JsonNode parent, String field, long dflt) {
    Long v = integer(parent, field);
    return v == null ? dflt : v;
  }

  /** True when {@code field} is the JSON boolean {@code true}. */
  public static boolean isTrue(JsonNode parent, String field) {
    if (parent == null) {
      return false;
    }
    JsonNode n = parent.get(field);
    return n != null && n.isBoolean() && n.booleanValue();
  }

  /** True when {@code field} is present and not JSON {@code null}. */
  public static boolean has(JsonNode parent, String field) {
    if (parent == null) {
      return false;
    }
    JsonNode n = parent.get(field);
    return n != null && !n.isNull();
  }

  /** The array {@code field}, or {@code null}. */
  public static ArrayNode array(JsonNode parent, String field) {
    if (parent == null) {
      return null;
    }
    JsonNode n = parent.get(field);
    return n instanceof ArrayNode a ? a : null;
  }

  /** The size of array {@code field}; 0 when missing. */
  public static int size(JsonNode parent, String field) {
    ArrayNode a = array(parent, field);
    return a == null ? 0 : a.size();
  }

  /**
   * The elements of array {@code field}, with {@code null} in place of elements that are not
   * objects (so indexes stay those of the array).
   */
  public static List<ObjectNode> objects(JsonNode parent, String field) {
    ArrayNode a = array(parent, field);
    if (a == null) {
      return List.of();
    }
    List<ObjectNode> out = new ArrayList<>(a.size());
    for (JsonNode n : a) {
      out.add(n instanceof ObjectNode o ? o : null);
    }
    return out;
  }

  /** The string elements of array {@code field} (others skipped). */
  public static List<String> strings(JsonNode parent, String field) {
    ArrayNode a = array(parent, field);
    if (a == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(a.size());
    for (JsonNode n : a) {
      if (n.isTextual()) {
        out.add(n.textValue());
      }
    }
    return out;
  }

  /** The string-valued entries of the object {@code field}, in order; non-strings as their JSON text. */
  public static Map<String, String> stringMap(JsonNode parent, String field) {
    ObjectNode o = object(parent, field);
    if (o == null) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      out.put(e.getKey(), v.isTextual() ? v.textValue() : v.toString());
    }
    return out;
  }

  /** Sets {@code field} to {@code value} when it is missing or JSON {@code null}. */
  public static void defaultText(ObjectNode parent, String field, String value) {
    if (!has(parent, field) || (parent.get(field).isTextual() && parent.get(field).textValue().isEmpty())) {
      parent.put(field, value);
    }
  }

  /** Sets {@code field} to {@code value} when it is missing or JSON {@code null}. */
  public static void defaultInt(ObjectNode parent, String field, long value) {
    if (!has(parent, field)) {
      putInt(parent, field, value);
    }
  }

  /**
   * Sets an integer field, as an int node when it fits, so that trees built here compare equal
   * to the same JSON parsed from the wire or the store.
   */
  public static void putInt(ObjectNode parent, String field, long value) {
    if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
      parent.put(field, (int) value);
    } else {
      parent.put(field, value);
    }
  }

  /** Compares numbers by value (1 as int equals 1 as long or 1.0), everything else as Jackson does. */
  private static final java.util.Comparator<JsonNode> NUMERIC = (a, b) -> {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return a.equals(b) ? 0 : 1;
  };

  /** Deep equality of two present nodes with numbers compared by value. */
  public static boolean equal(JsonNode a, JsonNode b) {
    return a.equals(NUMERIC, b);
  }

  /** Sets {@code field} to {@code value} when it is missing or JSON {@code null}. */
  public static void defaultBool(ObjectNode parent, String field, boolean value) {
    if (!has(parent, field)) {
      parent.put(field, value);
    }
  }

  /** The {@code metadata} object, created when missing. */
  public static ObjectNode metadata(ObjectNode obj) {
    return ensureObject(obj, "metadata");
  }

  /** {@code metadata.name}, or {@code ""}. */
  public static String name(JsonNode obj) {
    return str(object(obj, "metadata"), "name");
  }

  /** {@code metadata.namespace}, or {@code ""}. */
  public static String namespace(JsonNode obj) {
    return str(object(obj, "metadata"), "namespace");
  }

  /** A JSON-null-safe equality of two (possibly missing) nodes. */
  public static boolean same(JsonNode a, JsonNode b) {
    boolean aNone = a == null || a.isNull() || a.isMissingNode();
    boolean bNone = b == null || b.isNull() || b.isMissingNode();
    if (aNone || bNone) {
      return aNone && bNone;
    }
    return equal(a, b);
  }
}
