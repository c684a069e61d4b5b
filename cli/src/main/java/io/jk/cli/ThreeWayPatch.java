package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.patch.PatchSchema;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The three-way strategic merge patch of client-side apply, computed as kubectl's
 * {@code CreateThreeWayMergePatch} does: deletions are what the last applied configuration had
 * and the new manifest lacks (so fields removed from the file are removed from the object);
 * changes and additions are where the live object differs from the manifest. Fields only the
 * server or other clients set (status, defaults, other managers' fields) are left alone.
 *
 * <p>Lists merge by the schema's merge keys ({@code containers} by {@code name}, ...): removed
 * items become {@code {"$patch":"delete"}} entries and changed lists carry
 * {@code $setElementOrder}; sets of scalars use {@code $deleteFromPrimitiveList}; other lists are
 * replaced whole.
 */
public final class ThreeWayPatch {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private ThreeWayPatch() {}

  /**
   * The patch turning {@code current} into {@code modified}, deleting what {@code original}
   * (the last applied configuration, may be null) had and {@code modified} lacks.
   */
  public static ObjectNode create(JsonNode original, JsonNode modified, JsonNode current, PatchSchema schema) {
    ObjectNode deletions = original == null || !original.isObject() ? F.objectNode()
        : diffMaps(original, modified, schema, false, true);
    ObjectNode delta = diffMaps(current, modified, schema, true, false);
    merge(delta, deletions, schema);
    return delta;
  }

  /**
   * @param wantChanges include changed and added fields
   * @param wantDeletions include fields {@code from} has and {@code to} lacks
   */
  private static ObjectNode diffMaps(JsonNode from, JsonNode to, PatchSchema schema, boolean wantChanges,
      boolean wantDeletions) {
    ObjectNode patch = F.objectNode();
    boolean none = schema.isNone();
    for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode want = e.getValue();
      JsonNode have = from.get(key);
      PatchSchema.Field f = schema.field(key);
      if (have == null || have.isNull()) {
        if (wantChanges && !(have != null && want.isNull())) {
          patch.set(key, want);
        }
        continue;
      }
      if (want.isObject() && have.isObject() && !f.replace()) {
        ObjectNode sub = diffMaps(have, want, none ? schema : f.schema(), wantChanges, wantDeletions);
        if (sub.size() > 0) {
          patch.set(key, sub);
        }
      } else if (want.isArray() && have.isArray() && !none && f.listType() != PatchSchema.ListType.ATOMIC) {
        diffLists(patch, key, (ArrayNode) have, (ArrayNode) want, f, wantChanges, wantDeletions);
      } else if (wantChanges && !want.equals(have)) {
        patch.set(key, want);
      }
    }
    if (wantDeletions) {
      for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!to.has(key)) {
          patch.putNull(key);
        }
      }
    }
    return patch;
  }

  private static void diffLists(ObjectNode patch, String key, ArrayNode have, ArrayNode want, PatchSchema.Field f,
      boolean wantChanges, boolean wantDeletions) {
    if (f.listType() == PatchSchema.ListType.SET) {
      ArrayNode added = F.arrayNode();
      ArrayNode removed = F.arrayNode();
      if (wantChanges) {
        want.forEach(v -> {
          if (!contains(have, v)) {
            added.add(v);
          }
        });
      }
      if (wantDeletions) {
        have.forEach(v -> {
          if (!contains(want, v)) {
            removed.add(v);
          }
        });
      }
      if (added.size() > 0) {
        patch.set(key, added);
        patch.set("$setElementOrder/" + key, want);
      }
      if (removed.size() > 0) {
        patch.set("$deleteFromPrimitiveList/" + key, removed);
      }
      return;
    }
    String mk = f.mergeKey();
    ArrayNode items = F.arrayNode();
    if (wantChanges) {
      for (JsonNode w : want) {
        JsonNode h = find(have, mk, w.get(mk));
        if (h == null || !w.isObject() || !h.isObject()) {
          if (h == null || !w.equals(h)) {
            items.add(w);
          }
          continue;
        }
        ObjectNode sub = diffMaps(h, w, f.schema(), true, false);
        if (sub.size() > 0) {
          ObjectNode item = F.objectNode();
          item.set(mk, w.get(mk));
          item.setAll(sub);
          items.add(item);
        }
      }
    }
    if (wantDeletions) {
      for (JsonNode h : have) {
        JsonNode w = find(want, mk, h.get(mk));
        if (w == null) {
          ObjectNode del = F.objectNode();
          del.put("$patch", "delete");
          del.set(mk, h.get(mk));
          items.add(del);
        } else if (w.isObject() && h.isObject()) {
          ObjectNode sub = diffMaps(h, w, f.schema(), false, true);
          if (sub.size() > 0) {
            ObjectNode item = F.objectNode();
            item.set(mk, w.get(mk));
            item.setAll(sub);
            items.add(item);
          }
        }
      }
    }
    if (items.size() > 0) {
      if (wantChanges) {
        ArrayNode order = F.arrayNode();
        for (JsonNode w : want) {
          order.add(F.objectNode().set(mk, w.get(mk)));
        }
        patch.set("$setElementOrder/" + key, order);
      }
      patch.set(key, items);
    }
  }

  private static boolean contains(ArrayNode a, JsonNode v) {
    for (JsonNode x : a) {
      if (x.equals(v)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode find(ArrayNode a, String mk, JsonNode key) {
    if (key == null) {
      return null;
    }
    for (JsonNode x : a) {
      if (key.equals(x.get(mk))) {
        return x;
      }
    }
    return null;
  }

  /** Merges the deletion patch {@code extra} into {@code into}; items of keyed lists merge by key. */
  private static void merge(ObjectNode into, ObjectNode extra, PatchSchema schema) {
    for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode existing = into.get(e.getKey());
      PatchSchema.Field f = schema.field(e.getKey());
      if (existing == null) {
        into.set(e.getKey(), e.getValue());
      } else if (existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), schema.isNone() ? schema : f.schema());
      } else if (existing.isArray() && e.getValue().isArray()) {
        List<JsonNode> add = new ArrayList<>();
        for (JsonNode item : e.getValue()) {
          JsonNode same = f.mergeKey() == null || !item.isObject() ? null
              : find((ArrayNode) existing, f.mergeKey(), item.get(f.mergeKey()));
          if (same != null && same.isObject()) {
            merge((ObjectNode) same, (ObjectNode) item, f.schema());
          } else {
            add.add(item);
          }
        }
        add.forEach(((ArrayNode) existing)::add);
      }
    }
  }
}
