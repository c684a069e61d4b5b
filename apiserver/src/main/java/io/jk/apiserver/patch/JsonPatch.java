package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON Patch (RFC 6902, {@code application/json-patch+json}): a list of {@code add},
 * {@code remove}, {@code replace}, {@code move}, {@code copy} and {@code test} operations applied
 * in order, all or nothing.
 *
 * <p>Where Kubernetes' JSON patch library (evanphx/json-patch v4, which kube-apiserver uses) is
 * more lenient than the RFC, this follows Kubernetes, so that whatever a real cluster accepts
 * works here too: negative array indices count from the end ({@code /list/-1} is the last item;
 * for {@code add}, {@code -1} appends), indices may have leading zeros, {@code replace} of a
 * missing object member adds it, and a missing {@code value} is {@code null}.
 */
public final class JsonPatch {

  /** Most operations one patch may hold (bodies are capped anyway; this bounds CPU). */
  public static final int MAX_OPERATIONS = 10_000;

  private JsonPatch() {}

  /**
   * Applies {@code patch} to {@code original} and returns a new tree; neither input is changed.
   *
   * @throws PatchException 400 when the patch is not a list of well-formed operations; 422 when
   *     an operation does not apply (missing path, index out of bounds, failed {@code test})
   */
  public static JsonNode apply(JsonNode original, JsonNode patch) {
    if (patch == null || !patch.isArray()) {
      throw PatchException.badRequest(
          "Invalid JSON Patch: a JSON patch must be a list of operations, not "
              + JsonTrees.typeName(patch));
    }
    if (patch.size() > MAX_OPERATIONS) {
      throw PatchException.badRequest("Invalid JSON Patch: more than " + MAX_OPERATIONS
          + " operations");
    }
    JsonNode doc = original == null ? null : original.deepCopy();
    for (JsonNode op : patch) {
      doc = applyOne(doc, op);
    }
    return doc;
  }

  private static JsonNode applyOne(JsonNode doc, JsonNode op) {
    if (!op.isObject()) {
      throw PatchException.badRequest("Invalid JSON Patch: operation must be an object: " + op);
    }
    String name = text(op, "op");
    JsonPointer path = JsonPointer.parse(text(op, "path"));
    switch (name) {
      case "add":
        return add(doc, path, value(op).deepCopy(), "add");
      case "remove":
        return remove(doc, path, "remove");
      case "replace":
        return replace(doc, path, value(op).deepCopy());
      case "move": {
        JsonPointer from = JsonPointer.parse(text(op, "from"));
        if (from.isProperPrefixOf(path)) {
          throw PatchException.unprocessable("move operation does not apply: \"from\" "
              + from.text() + " is a proper prefix of \"path\" " + path.text());
        }
        JsonNode moved = get(doc, from, "move");
        if (from.tokens().equals(path.tokens())) {
          return doc;
        }
        doc = remove(doc, from, "move");
        return add(doc, path, moved, "move");
      }
      case "copy": {
        JsonPointer from = JsonPointer.parse(text(op, "from"));
        return add(doc, path, get(doc, from, "copy").deepCopy(), "copy");
      }
      case "test": {
        JsonNode want = value(op);
        JsonNode actual = get(doc, path, "test");
        if (!JsonTrees.jsonEquals(actual, want)) {
          throw PatchException.unprocessable(
              "testing value " + path.text() + " failed: test failed");
        }
        return doc;
      }
      default:
        throw PatchException.badRequest("Invalid JSON Patch: unexpected operation \"" + name
            + "\"");
    }
  }

  private static String text(JsonNode op, String field) {
    JsonNode v = op.get(field);
    if (v == null || !v.isTextual()) {
      throw PatchException.badRequest("Invalid JSON Patch: operation " + op + " lacks a string \""
          + field + "\"");
    }
    return v.asText();
  }

  private static JsonNode value(JsonNode op) {
    JsonNode v = op.get("value");
    return v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v;
  }

  private static PatchException missing(String opName, JsonPointer path) {
    return PatchException.unprocessable(
        opName + " operation does not apply: doc is missing path: \"" + path.text() + "\"");
  }

  /** The node at {@code path}, or a 422 naming the operation. */
  private static JsonNode get(JsonNode doc, JsonPointer path, String opName) {
    JsonNode cur = doc;
    for (String token : path.tokens()) {
      cur = child(cur, token);
      if (cur == null) {
        throw missing(opName, path);
      }
    }
    if (cur == null) {
      throw missing(opName, path);
    }
    return cur;
  }

  private static JsonNode child(JsonNode node, String token) {
    if (node == null) {
      return null;
    }
    if (node.isObject()) {
      return node.get(token);
    }
    if (node.isArray()) {
      int i = existingIndex(node, token);
      return i >= 0 ? node.get(i) : null;
    }
    return null;
  }

  /** The position of an existing array item (negative counts from the end), or -1. */
  private static int existingIndex(JsonNode array, String token) {
    Integer i = JsonPointer.index(token);
    if (i == null || i >= array.size() || i < -array.size()) {
      return -1;
    }
    return i < 0 ? i + array.size() : i;
  }

  private static JsonNode add(JsonNode doc, JsonPointer path, JsonNode value, String opName) {
    if (path.isRoot()) {
      return value;
    }
    JsonNode parent = get(doc, path.parent(), opName);
    String token = path.last();
    if (parent.isObject()) {
      ((ObjectNode) parent).set(token, value);
    } else if (parent.isArray()) {
      ArrayNode arr = (ArrayNode) parent;
      if (token.equals("-")) {
        arr.add(value);
      } else {
        Integer i = JsonPointer.index(token);
        int size = arr.size() + 1;
        if (i == null || i >= size || i < -size) {
          throw PatchException.unprocessable("error in " + opName + " for path: '" + path.text()
              + "': Unable to access invalid index: " + token);
        }
        arr.insert(i < 0 ? i + size : i, value);
      }
    } else {
      throw missing(opName, path);
    }
    return doc;
  }

  private static JsonNode remove(JsonNode doc, JsonPointer path, String opName) {
    if (path.isRoot()) {
      throw PatchException.unprocessable(opName + " operation does not apply: cannot remove the"
          + " whole document");
    }
    JsonNode parent = get(doc, path.parent(), opName);
    String token = path.last();
    if (parent.isObject() && parent.has(token)) {
      ((ObjectNode) parent).remove(token);
      return doc;
    }
    if (parent.isArray()) {
      int i = existingIndex(parent, token);
      if (i >= 0) {
        ((ArrayNode) parent).remove(i);
        return doc;
      }
      throw PatchException.unprocessable(opName + " operation does not apply: index " + token
          + " out of bounds in \"" + path.text() + "\"");
    }
    throw missing(opName, path);
  }

  private static JsonNode replace(JsonNode doc, JsonPointer path, JsonNode value) {
    if (path.isRoot()) {
      return value;
    }
    JsonNode parent = get(doc, path.parent(), "replace");
    String token = path.last();
    if (parent.isObject()) {
      ((ObjectNode) parent).set(token, value); // Kubernetes' library adds a missing member
      return doc;
    }
    if (parent.isArray()) {
      int i = existingIndex(parent, token);
      if (i >= 0) {
        ((ArrayNode) parent).set(i, value);
        return doc;
      }
      throw PatchException.unprocessable("replace operation does not apply: index " + token
          + " out of bounds in \"" + path.text() + "\"");
    }
    throw missing("replace", path);
  }
}
