package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** Small helpers on Jackson trees shared by the patch implementations. */
final class JsonTrees {
  private JsonTrees() {}

  /**
   * JSON value equality: numbers compare by value (so {@code 1} equals {@code 1.0}), objects
   * regardless of member order.
   */
  static boolean jsonEquals(JsonNode a, JsonNode b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!jsonEquals(e.getValue(), b.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!jsonEquals(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** A short description of a value's JSON type for error messages. */
  static String typeName(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "missing";
    }
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
