package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sets of {@link FieldPath}s: computed from an object with a {@link PatchSchema}, converted to and
 * from the FieldsV1 JSON of {@code metadata.managedFields}, and used to read and remove values.
 */
final class FieldSets {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FieldSets() {}

  /** The fields an object sets: leaves, keyed-list items, set-list values ({@code null}s skipped). */
  static Set<FieldPath> of(JsonNode obj, PatchSchema schema) {
    Set<FieldPath> out = new LinkedHashSet<>();
    if (obj != null && obj.isObject()) {
      collectObject(obj, schema, new FieldPath(java.util.List.of()), out);
    }
    return out;
  }

  private static void collectObject(JsonNode obj, PatchSchema schema, FieldPath prefix,
      Set<FieldPath> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      PatchSchema.Field f = schema.field(e.getKey());
      FieldPath p = prefix.child(FieldPath.field(e.getKey()));
      if (v.isObject()) {
        if (v.isEmpty()) {
          out.add(p);
        } else {
          collectObject(v, f.schema(), p, out);
        }
      } else if (v.isArray()) {
        collectList((ArrayNode) v, f, p, out);
      } else {
        out.add(p);
      }
    }
  }

  private static void collectList(ArrayNode list, PatchSchema.Field f, FieldPath p,
      Set<FieldPath> out) {
    if (list.isEmpty() || f.listType() == PatchSchema.ListType.ATOMIC) {
      out.add(p);
      return;
    }
    if (f.listType() == PatchSchema.ListType.SET) {
      for (JsonNode item : list) {
        if (item.isContainerNode()) {
          out.add(p); // not a set of scalars after all: own the list as a whole
          return;
        }
      }
      for (JsonNode item : list) {
        out.add(p.child(FieldPath.value(item)));
      }
      return;
    }
    for (JsonNode item : list) {
      if (!item.isObject() || item.get(f.mergeKey()) == null
          || item.get(f.mergeKey()).isNull()) {
        out.add(p); // items without their key: own the list as a whole
        return;
      }
    }
    for (JsonNode item : list) {
      FieldPath ip = p.child(FieldPath.key(item, f.mergeKey()));
      out.add(ip);
      collectObject(item, f.schema(), ip, out);
    }
  }

  /**
   * The FieldsV1 tree of the fields an object sets, as {@code toFieldsV1(of(obj, schema))} restricted
   * to the fields a manager can own ({@code tracked}), built in one walk of the object without
   * materializing paths: the create path's managedFields. {@code null} when no field is owned.
   *
   * @param statusOnly true for the status subresource (only {@code status} is owned), false for the
   *     main resource (everything but {@code status})
   */
  static ObjectNode ownedFieldsV1(JsonNode obj, PatchSchema schema, boolean statusOnly,
      Set<String> unownedMetadata) {
    if (obj == null || !obj.isObject()) {
      return null;
    }
    Node root = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (v.isNull() || name.equals("apiVersion") || name.equals("kind") || name.equals("status") != statusOnly) {
        continue;
      }
      PatchSchema.Field f = schema.field(name);
      Node child;
      if (name.equals("metadata")) {
        // metadata itself is never owned, only its fields that are not bookkeeping
        child = v.isObject() ? walkObject(v, f.schema(), unownedMetadata) : null;
      } else {
        child = walkValue(v, f);
      }
      if (child != null) {
        root = root == null ? new Node() : root;
        root.merge(FieldPath.field(name), child);
      }
    }
    return root == null ? null : root.toJson();
  }

  /** The subtree of one non-null value, or null when it sets no field. */
  private static Node walkValue(JsonNode v, PatchSchema.Field f) {
    if (v.isObject()) {
      return v.isEmpty() ? Node.leaf() : walkObject(v, f.schema(), Set.of());
    }
    if (v.isArray()) {
      return walkList((ArrayNode) v, f);
    }
    return Node.leaf();
  }

  private static Node walkObject(JsonNode obj, PatchSchema schema, Set<String> skipped) {
    Node out = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      String token = FieldPath.field(e.getKey());
      if (skipped.contains(token)) {
        continue;
      }
      Node child = walkValue(v, schema.field(e.getKey()));
      if (child != null) {
        out = out == null ? new Node() : out;
        out.merge(token, child);
      }
    }
    return out;
  }

  private static Node walkList(ArrayNode list, PatchSchema.Field f) {
    if (list.isEmpty() || f.listType() == PatchSchema.ListType.ATOMIC) {
      return Node.leaf();
    }
    if (f.listType() == PatchSchema.ListType.SET) {
      for (JsonNode item : list) {
        if (item.isContainerNode()) {
          return Node.leaf();
        }
      }
      Node out = new Node();
      for (JsonNode item : list) {
        out.merge(FieldPath.value(item), Node.leaf());
      }
      return out;
    }
    for (JsonNode item : list) {
      if (!item.isObject() || item.get(f.mergeKey()) == null || item.get(f.mergeKey()).isNull()) {
        return Node.leaf();
      }
    }
    Node out = new Node();
    for (JsonNode item : list) {
      Node itemNode = walkObject(item, f.schema(), Set.of());
      Node n = itemNode == null ? Node.leaf() : itemNode;
      n.member = true;
      out.merge(FieldPath.key(item, f.mergeKey()), n);
    }
    return out;
  }

  /** Paths of a FieldsV1 tree ({@code {"f:spec":{"f:replicas":{}}}}). */
  static Set<FieldPath> fromFieldsV1(JsonNode fields) {
    Set<FieldPath> out = new LinkedHashSet<>();
    if (fields != null && fields.isObject()) {
      collectV1(fields, new FieldPath(java.util.List.of()), out);
    }
    return out;
  }

  private static void collectV1(JsonNode node, FieldPath prefix, Set<FieldPath> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals(".")) {
        if (!prefix.tokens().isEmpty()) {
          out.add(prefix);
        }
        continue;
      }
      FieldPath p = prefix.child(e.getKey());
      if (!e.getValue().isObject() || e.getValue().isEmpty()) {
        out.add(p);
      } else {
        collectV1(e.getValue(), p, out);
      }
    }
  }

  /** The FieldsV1 tree of a set of paths; a member that also has children gets {@code "."}. */
  static ObjectNode toFieldsV1(Set<FieldPath> paths) {
    Node root = new Node();
    for (FieldPath p : paths) {
      Node n = root;
      for (String t : p.tokens()) {
        n = n.children.computeIfAbsent(t, k -> new Node());
      }
      n.member = true;
    }
    return root.toJson();
  }

  private static final class Node {
    final Map<String, Node> children = new LinkedHashMap<>();
    boolean member;

    static Node leaf() {
      Node n = new Node();
      n.member = true;
      return n;
    }

    /** Adds {@code child} under {@code token}, uniting it with a subtree already there. */
    void merge(String token, Node child) {
      Node there = children.putIfAbsent(token, child);
      if (there != null && there != child) {
        there.member |= child.member;
        child.children.forEach(there::merge);
      }
    }

    ObjectNode toJson() {
      ObjectNode o = NODES.objectNode();
      if (member && !children.isEmpty()) {
        o.set(".", NODES.objectNode());
      }
      new java.util.TreeMap<>(children).forEach((k, v) -> o.set(k, v.toJson()));
      return o;
    }
  }

  /** The value at {@code path} in {@code obj}, or null when absent. */
  static JsonNode valueAt(JsonNode obj, FieldPath path) {
    JsonNode cur = obj;
    for (String t : path.tokens()) {
      if (cur == null) {
        return null;
      }
      cur = step(cur, t);
    }
    return cur;
  }

  private static JsonNode step(JsonNode cur, String token) {
    if (token.startsWith("f:")) {
      return cur.isObject() ? cur.get(token.substring(2)) : null;
    }
    if (!cur.isArray()) {
      return null;
    }
    if (token.startsWith("k:")) {
      int i = indexOfKey(cur, token);
      return i < 0 ? null : cur.get(i);
    }
    if (token.startsWith("v:")) {
      JsonNode v = FieldPath.valueOf(token);
      for (JsonNode item : cur) {
        if (JsonTrees.jsonEquals(item, v)) {
          return item;
        }
      }
    }
    return null;
  }

  private static int indexOfKey(JsonNode list, String token) {
    Map<String, JsonNode> key = FieldPath.keyFields(token);
    if (key.isEmpty()) {
      return -1;
    }
    outer:
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      if (!item.isObject()) {
        continue;
      }
      for (Map.Entry<String, JsonNode> e : key.entrySet()) {
        if (!JsonTrees.jsonEquals(item.get(e.getKey()), e.getValue())) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Removes the value at {@code path} from {@code obj} (changed in place); absent is fine. */
  static void remove(JsonNode obj, FieldPath path) {
    if (path.tokens().isEmpty()) {
      return;
    }
    JsonNode parent = valueAt(obj, new FieldPath(path.tokens().subList(0,
        path.tokens().size() - 1)));
    if (parent == null) {
      return;
    }
    String last = path.tokens().get(path.tokens().size() - 1);
    if (last.startsWith("f:") && parent.isObject()) {
      ((ObjectNode) parent).remove(last.substring(2));
    } else if (last.startsWith("k:") && parent.isArray()) {
      int i = indexOfKey(parent, last);
      if (i >= 0) {
        ((ArrayNode) parent).remove(i);
      }
    } else if (last.startsWith("v:") && parent.isArray()) {
      JsonNode v = FieldPath.valueOf(last);
      for (int i = parent.size() - 1; i >= 0; i--) {
        if (JsonTrees.jsonEquals(parent.get(i), v)) {
          ((ArrayNode) parent).remove(i);
        }
      }
    }
  }
}
