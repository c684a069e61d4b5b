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

  /** RFC 7386 merge patch (apimachinery's {@link io.jk.apiserver.patch.MergePatch}). */
  public static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    try {
      return io.jk.apiserver.patch.MergePatch.apply(target, patch);
    } catch (io.jk.apiserver.patch.PatchException e) {
      throw fromPatch(e);
    }
  }

  private static ApiException fromPatch(io.jk.apiserver.patch.PatchException e) {
    return e.isUnprocessable()
        ? new ApiException(422, "Invalid", "the server rejected our request due to an error in our request: " + e.getMessage(), null)
        : ApiException.badRequest(e.getMessage());
  }

  /** A strategic merge patch of {@code target} under the kind's patch schema (apimachinery's implementation). */
  public static JsonNode strategicMergePatch(JsonNode target, JsonNode patch, io.jk.apiserver.patch.PatchSchema schema) {
    try {
      return io.jk.apiserver.patch.StrategicMergePatch.apply(target, patch, schema);
    } catch (io.jk.apiserver.patch.PatchException e) {
      throw fromPatch(e);
    }
  }

  /** A strategic merge patch of {@code target} guessing merge keys (for objects without a schema, e.g. Scale). */
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

  /** RFC 6902 JSON patch (apimachinery's {@link io.jk.apiserver.patch.JsonPatch}). */
  public static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
    try {
      return io.jk.apiserver.patch.JsonPatch.apply(target, ops);
    } catch (io.jk.apiserver.patch.PatchException e) {
      throw fromPatch(e);
    }
  }
}
