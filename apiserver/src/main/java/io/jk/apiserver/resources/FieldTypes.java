package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Type checking of a written object against its kind's schema: the JSON value of every known field
 * must have the field's type (an object where the schema has a structure, a list where it has a list,
 * a string, an integer within int32/int64, a boolean), as Kubernetes' decoder demands of every request
 * before anything else runs. Without it {@code "fieldRef": 5} or {@code "replicas": 2147483648} would be
 * stored and break the components that read them.
 *
 * <p>Uses the same schema as {@link UnknownFields} (the fabric8 model's Jackson metadata); unknown
 * fields and free-form values are left alone. JSON {@code null} (and a missing node a server-side
 * change left in the tree) is allowed anywhere: the field is unset.
 */
public final class FieldTypes {

  /** At most this many mismatches are reported for one object. */
  private static final int MAX_REPORTED = 10;

  private FieldTypes() {}

  /**
   * The mismatches in {@code obj}, each as {@code "PATH: expected T, got U"} in document order; empty
   * when every known field has its type, or when the kind has no schema here.
   */
  public static List<String> find(String group, String version, String kind, JsonNode obj) {
    Class<?> c = UnknownFields.modelClass(group, version, kind);
    if (c == null || obj == null || !obj.isObject()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    walk(Json.mapper().constructType(c), obj, "", out);
    return out;
  }

  private static void walk(JavaType type, JsonNode node, String path, List<String> out) {
    if (node == null || node.isNull() || node.isMissingNode() || out.size() >= MAX_REPORTED) {
      return;
    }
    if (type.isArrayType() || type.isCollectionLikeType()) {
      if (!node.isArray()) {
        mismatch(path, "a list", node, out);
        return;
      }
      JavaType content = type.getContentType();
      for (int i = 0; i < node.size(); i++) {
        walk(content, node.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (type.isMapLikeType()) {
      if (!node.isObject()) {
        mismatch(path, "an object", node, out);
        return;
      }
      JavaType content = type.getContentType();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        walk(content, e.getValue(), path + "[" + e.getKey() + "]", out);
      }
      return;
    }
    Class<?> raw = type.getRawClass();
    String expected = scalar(raw, node);
    if (expected != null) {
      if (!expected.isEmpty()) {
        mismatch(path, expected, node, out);
      }
      return;
    }
    Map<String, JavaType> props = UnknownFields.properties(type);
    if (UnknownFields.isLeaf(props)) {
      return; // free-form (raw extensions, custom-decoded types): any value
    }
    if (!node.isObject()) {
      mismatch(path, "an object", node, out);
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JavaType child = props.get(e.getKey());
      if (child != null) {
        walk(child, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
      }
    }
  }

  /**
   * For a scalar type: {@code ""} when {@code node} fits it, else what was expected; {@code null} when
   * {@code raw} is not a scalar type.
   */
  private static String scalar(Class<?> raw, JsonNode node) {
    if (raw == String.class) {
      return node.isTextual() ? "" : "a string";
    }
    if (raw == Integer.class || raw == int.class) {
      return node.isIntegralNumber() && node.canConvertToInt() ? "" : "an integer (int32)";
    }
    if (raw == Long.class || raw == long.class) {
      return node.isIntegralNumber() && node.canConvertToLong() ? "" : "an integer (int64)";
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return node.isBoolean() ? "" : "a boolean";
    }
    if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
      return node.isNumber() ? "" : "a number";
    }
    if (raw == IntOrString.class) {
      return node.isTextual() || (node.isIntegralNumber() && node.canConvertToInt()) ? "" : "an integer or a string";
    }
    if (raw == Quantity.class) {
      return node.isTextual() || node.isNumber() ? "" : "a quantity (a string or a number)";
    }
    return null;
  }

  private static void mismatch(String path, String expected, JsonNode node, List<String> out) {
    out.add((path.isEmpty() ? "the object" : path) + ": expected " + expected + ", got " + describe(node));
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? "the integer " + node.asText() : "an integer out of range";
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isArray()) {
      return "a list";
    }
    return node.isObject() ? "an object" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }
}
