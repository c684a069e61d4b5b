package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The path of one field in an object, as a list of FieldsV1 tokens: {@code f:<name>} for an object
 * member, {@code k:<json>} for the item of a keyed list (e.g. {@code k:{"name":"nginx"}}),
 * {@code v:<json>} for a value of a set list (e.g. {@code v:"a"}).
 *
 * <p>{@link #toString()} gives the form Kubernetes prints in apply conflicts, e.g.
 * {@code .spec.template.spec.containers[name="nginx"].image}.
 */
public record FieldPath(List<String> tokens) {

  /** An immutable path. */
  public FieldPath {
    tokens = List.copyOf(tokens);
  }

  /** This path extended by one token. */
  FieldPath child(String token) {
    List<String> t = new ArrayList<>(tokens.size() + 1);
    t.addAll(tokens);
    t.add(token);
    return new FieldPath(t);
  }

  /** Whether {@code other} is this path or lies under it. */
  boolean isPrefixOf(FieldPath other) {
    return other.tokens.size() >= tokens.size()
        && other.tokens.subList(0, tokens.size()).equals(tokens);
  }

  static String field(String name) {
    return "f:" + name;
  }

  /** The {@code k:} token of a keyed-list item; key fields in name order. */
  static String key(JsonNode item, String mergeKey) {
    JsonNode v = item.get(mergeKey);
    String plain = v == null ? null : plainJson(v);
    if (plain != null && isPlain(mergeKey)) {
      // the common case (a name, a port) without building and serializing a tree
      return "k:{\"" + mergeKey + "\":" + plain + "}";
    }
    ObjectNode k = Json.mapper().createObjectNode();
    k.set(mergeKey, v);
    return "k:" + k;
  }

  static String value(JsonNode v) {
    String plain = plainJson(v);
    return "v:" + (plain != null ? plain : v.toString());
  }

  /** The JSON text of an integer or of a string that needs no escaping; null for anything else. */
  private static String plainJson(JsonNode v) {
    if (v.isTextual()) {
      String s = v.textValue();
      return isPlain(s) ? '"' + s + '"' : null;
    }
    if (v.isInt() || v.isLong()) {
      return Long.toString(v.longValue());
    }
    return null;
  }

  /** Printable ASCII without quote or backslash: JSON writes it as is. */
  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** The key fields of a {@code k:} token. */
  static Map<String, JsonNode> keyFields(String token) {
    Map<String, JsonNode> out = new TreeMap<>();
    try {
      JsonNode n = Json.mapper().readTree(token.substring(2));
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue());
      }
    } catch (Exception e) {
      // a malformed token matches nothing
    }
    return out;
  }

  /** The value of a {@code v:} token, or null when malformed. */
  static JsonNode valueOf(String token) {
    try {
      return Json.mapper().readTree(token.substring(2));
    } catch (Exception e) {
      return null;
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (String t : tokens) {
      if (t.startsWith("f:")) {
        sb.append('.').append(t.substring(2));
      } else if (t.startsWith("k:")) {
        sb.append('[');
        boolean first = true;
        for (Map.Entry<String, JsonNode> e : keyFields(t).entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          sb.append(e.getKey()).append('=').append(e.getValue());
        }
        sb.append(']');
      } else if (t.startsWith("v:")) {
        sb.append("[=").append(t.substring(2)).append(']');
      } else {
        sb.append(t);
      }
    }
    return sb.toString();
  }
}
