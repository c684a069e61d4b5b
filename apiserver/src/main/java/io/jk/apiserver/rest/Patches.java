package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The patch formats of the API: RFC 6902 JSON patch, RFC 7386 merge patch and a strategic
 * merge patch that merges lists of objects on their merge key ({@code name}, {@code mountPath},
 * {@code containerPort}, {@code port}, {@code type}) and honours {@code $patch},
 * {@code $setElementOrder}, {@code $retainKeys} and {@code $deleteFromPrimitiveList}.
 * Failures are 422/400 {@link ApiException}s.
 */
public final class Patches {

  private static final Set<String> ATOMIC_LISTS = Set.of("tolerations", "args", "command", "finalizers");

  private Patches() {}

  /** RFC 7386: maps merge recursively, null deletes, everything else replaces. */
  public static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
        : io.jk.common.json.Json.mapper().createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        out.remove(e.getKey());
      } else {
        out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
      }
    }
    return out;
  }

  /** A strategic merge patch of {@code target}. */
  public static JsonNode strategicMergePatch(JsonNode target, JsonNode patch) {
    return smp(target, patch, "");
  }

  private static JsonNode smp(JsonNode target, JsonNode patch, String field) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    if ("replace".equals(patch.path("$patch").asText())) {
      ObjectNode copy = ((ObjectNode) patch).deepCopy();
      copy.remove("$patch");
      return copy;
    }
    ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
        : io.jk.common.json.Json.mapper().createObjectNode();
    JsonNode retain = patch.get("$retainKeys");
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      if (k.startsWith("$setElementOrder/") || k.equals("$retainKeys") || k.equals("$patch")) {
        continue;
      }
      if (k.startsWith("$deleteFromPrimitiveList/")) {
        String f = k.substring("$deleteFromPrimitiveList/".length());
        if (out.get(f) instanceof ArrayNode arr && v.isArray()) {
          ArrayNode kept = arr.arrayNode();
          arr.forEach(x -> {
            boolean del = false;
            for (JsonNode d : v) {
              del |= d.equals(x);
            }
            if (!del) {
              kept.add(x);
            }
          });
          out.set(f, kept);
        }
        continue;
      }
      if (v.isNull()) {
        out.remove(k);
      } else if (v.isObject()) {
        out.set(k, smp(out.get(k), v, k));
      } else if (v.isArray() && out.get(k) instanceof ArrayNode live && !ATOMIC_LISTS.contains(k)) {
        out.set(k, mergeList(live, (ArrayNode) v, k));
      } else {
        out.set(k, stripDirectives(v));
      }
    }
    if (retain != null && retain.isArray()) {
      Set<String> keep = new java.util.HashSet<>();
      retain.forEach(x -> keep.add(x.asText()));
      out.fieldNames().forEachRemaining(n -> { });
      out.retain(keep);
    }
    return out;
  }

  private static String mergeKey(ArrayNode live, ArrayNode patch) {
    for (String k : new String[] {"name", "mountPath", "containerPort", "port", "type", "ip", "devicePath", "topologyKey"}) {
      boolean all = true;
      for (JsonNode n : patch) {
        all &= n.isObject() && n.has(k);
      }
      if (all && patch.size() > 0) {
        return k;
      }
    }
    return null;
  }

  private static ArrayNode mergeList(ArrayNode live, ArrayNode patch, String field) {
    String key = mergeKey(live, patch);
    if (key == null) {
      if ("replace".equals(patch.path(0).path("$patch").asText())) {
        return patch.arrayNode();
      }
      return (ArrayNode) stripDirectives(patch);
    }
    ArrayNode out = live.deepCopy();
    for (JsonNode p : patch) {
      JsonNode kv = p.get(key);
      int idx = -1;
      for (int i = 0; i < out.size(); i++) {
        if (kv.equals(out.get(i).get(key))) {
          idx = i;
          break;
        }
      }
      String directive = p.path("$patch").asText("");
      if (directive.equals("delete")) {
        if (idx >= 0) {
          out.remove(idx);
        }
      } else if (idx >= 0) {
        out.set(idx, smp(out.get(idx), p, field));
      } else {
        out.add(stripDirectives(p));
      }
    }
    return out;
  }

  private static JsonNode stripDirectives(JsonNode v) {
    if (v.isObject()) {
      ObjectNode o = ((ObjectNode) v).deepCopy();
      java.util.List<String> drop = new java.util.ArrayList<>();
      o.fieldNames().forEachRemaining(n -> {
        if (n.startsWith("$")) {
          drop.add(n);
        }
      });
      o.remove(drop);
      o.fields().forEachRemaining(e -> e.setValue(stripDirectives(e.getValue())));
      return o;
    }
    if (v.isArray()) {
      ArrayNode a = v.deepCopy();
      for (int i = 0; i < a.size(); i++) {
        a.set(i, stripDirectives(a.get(i)));
      }
      return a;
    }
    return v;
  }

  /** RFC 6902 JSON patch. */
  public static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
    if (!ops.isArray()) {
      throw ApiException.badRequest("json patch must be an array of operations");
    }
    JsonNode doc = target.deepCopy();
    for (JsonNode op : ops) {
      String kind = op.path("op").asText("");
      String path = op.path("path").asText(null);
      if (path == null) {
        throw ApiException.badRequest("json patch operation without path");
      }
      switch (kind) {
        case "add" -> doc = put(doc, path, need(op, "value"), true);
        case "replace" -> {
          get(doc, path, true);
          doc = put(doc, path, need(op, "value"), false);
        }
        case "remove" -> doc = remove(doc, path);
        case "test" -> {
          if (!need(op, "value").equals(get(doc, path, true))) {
            throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: testing value " + path + " failed", null);
          }
        }
        case "move" -> {
          JsonNode v = get(doc, op.path("from").asText(), true);
          doc = remove(doc, op.path("from").asText());
          doc = put(doc, path, v, true);
        }
        case "copy" -> doc = put(doc, path, get(doc, op.path("from").asText(), true).deepCopy(), true);
        default -> throw ApiException.badRequest("unknown json patch operation \"" + kind + "\"");
      }
    }
    return doc;
  }

  private static JsonNode need(JsonNode op, String f) {
    if (!op.has(f)) {
      throw ApiException.badRequest("json patch operation \"" + op.path("op").asText() + "\" needs \"" + f + "\"");
    }
    return op.get(f);
  }

  private static String[] tokens(String path) {
    if (path.isEmpty()) {
      return new String[0];
    }
    if (!path.startsWith("/")) {
      throw ApiException.badRequest("invalid json pointer " + path);
    }
    String[] t = path.substring(1).split("/", -1);
    for (int i = 0; i < t.length; i++) {
      t[i] = t[i].replace("~1", "/").replace("~0", "~");
    }
    return t;
  }

  private static JsonNode get(JsonNode doc, String path, boolean must) {
    JsonNode cur = doc;
    for (String t : tokens(path)) {
      cur = cur == null ? null : cur.isArray() ? cur.get(index(t, cur.size() - 1)) : cur.get(t);
    }
    if (cur == null && must) {
      throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: doc is missing path: \"" + path + "\"", null);
    }
    return cur;
  }

  private static int index(String t, int max) {
    try {
      int i = Integer.parseInt(t);
      if (i < 0 || i > max) {
        throw ApiException.badRequest("json patch index out of range: " + t);
      }
      return i;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid json patch array index: " + t);
    }
  }

  private static JsonNode put(JsonNode doc, String path, JsonNode value, boolean insert) {
    String[] t = tokens(path);
    if (t.length == 0) {
      return value.deepCopy();
    }
    JsonNode parent = get(doc, path.substring(0, path.lastIndexOf('/')), true);
    String last = t[t.length - 1];
    if (parent instanceof ObjectNode o) {
      o.set(last, value.deepCopy());
    } else if (parent instanceof ArrayNode a) {
      if (last.equals("-")) {
        a.add(value.deepCopy());
      } else if (insert) {
        a.insert(index(last, a.size()), value.deepCopy());
      } else {
        a.set(index(last, a.size() - 1), value.deepCopy());
      }
    } else {
      throw new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: doc is missing path: \"" + path + "\"", null);
    }
    return doc;
  }

  private static JsonNode remove(JsonNode doc, String path) {
    get(doc, path, true);
    String[] t = tokens(path);
    JsonNode parent = get(doc, path.substring(0, path.lastIndexOf('/')), true);
    String last = t[t.length - 1];
    if (parent instanceof ObjectNode o) {
      o.remove(last);
    } else if (parent instanceof ArrayNode a) {
      a.remove(index(last, a.size() - 1));
    }
    return doc;
  }
}
