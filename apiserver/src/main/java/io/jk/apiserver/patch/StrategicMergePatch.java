package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes strategic merge patch ({@code application/strategic-merge-patch+json}), what
 * {@code kubectl apply} (client side), {@code kubectl patch} and {@code kubectl edit} send.
 *
 * <p>Semantics, as Kubernetes' {@code strategicpatch.StrategicMergePatch}:
 * <ul>
 *   <li>objects merge key by key; {@code null} deletes a key;
 *   <li>lists the {@link PatchSchema} marks as {@link PatchSchema.ListType#MAP} merge item by
 *       item on their merge key (items only in the patch are added), {@link
 *       PatchSchema.ListType#SET} lists of scalars merge as sets, other lists are replaced;
 *   <li>{@code {"$patch":"delete", key}} in a list removes that item; {@code $patch: replace} in
 *       a list or object replaces it with the rest of the patch; {@code $patch: delete} in an
 *       object empties it;
 *   <li>{@code $setElementOrder/<field>} gives the final order of a merged list;
 *       {@code $deleteFromPrimitiveList/<field>} removes scalars from a list;
 *       {@code $retainKeys} keeps only the listed keys of an object (plus what the patch sets).
 * </ul>
 * Without {@code $setElementOrder}, merged lists are ordered as Kubernetes orders them: the
 * patch's items keep the patch's relative order, items only in the original keep theirs, and an
 * item new to the list is placed before the original items it meets in that merge (so a patch
 * adding one container to {@code [a, b]} yields {@code [new, a, b]}, as on a real cluster).
 * A value new to the object is taken as the patch gives it (its lists in the patch's order,
 * {@code $setElementOrder} inside it neither applied nor checked), as Kubernetes does. Directives
 * never appear in the result. Checked against Kubernetes' implementation with
 * {@code kubectl patch --local} (see the oracle and differential tests); the two known
 * differences are Kubernetes bugs: it fails on a {@code $setElementOrder} list whose field is an
 * empty list on both sides, and keeps {@code {"$patch":"delete"}} items inside new values as
 * items.
 */
public final class StrategicMergePatch {

  private static final String PATCH = "$patch";
  private static final String RETAIN_KEYS = "$retainKeys";
  private static final String SET_ORDER = "$setElementOrder/";
  private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private StrategicMergePatch() {}

  /**
   * Applies {@code patch} to {@code original} and returns a new tree; neither input is changed.
   *
   * @param original the object as stored ({@code null} is treated as {@code {}})
   * @param patch the strategic merge patch; must be a JSON object
   * @param schema the kind's schema, from {@link PatchSchema#forKind}; {@link PatchSchema#NONE}
   *     applies the patch as a JSON merge patch
   * @throws PatchException 400 for malformed patches (bad directives, items without their merge
   *     key, lists of mixed types), 422 for patches that contradict themselves
   */
  public static JsonNode apply(JsonNode original, JsonNode patch, PatchSchema schema) {
    if (patch == null || !patch.isObject()) {
      throw PatchException.badRequest("strategic merge patch must be a JSON object, not "
          + JsonTrees.typeName(patch));
    }
    if (schema == null || schema.isNone()) {
      return MergePatch.apply(original, patch);
    }
    ObjectNode base = original != null && original.isObject() ? ((ObjectNode) original).deepCopy()
        : null;
    return mergeMap(base, (ObjectNode) patch, schema, true);
  }

  // ---- maps

  /** Merges {@code patch} into {@code original} (a private copy, changed in place; may be null). */
  private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchSchema schema) {
    return mergeMap(original, patch, schema, original != null);
  }

  /**
   * {@code strict} is false for a value new to the object: Kubernetes copies those without
   * applying or checking their {@code $setElementOrder} lists, so neither does this.
   */
  private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchSchema schema,
      boolean strict) {
    JsonNode directive = patch.get(PATCH);
    if (directive != null) {
      String d = directive.asText();
      if (d.equals("replace")) {
        ObjectNode rest = patch.deepCopy();
        rest.remove(PATCH);
        return mergeMap(null, rest, schema, false);
      }
      if (d.equals("delete")) {
        return NODES.objectNode();
      }
      throw PatchException.badRequest("unknown patch type: " + directive + " in map: " + patch);
    }
    ObjectNode result = original == null ? NODES.objectNode() : original;
    applyRetainKeys(result, patch);
    Set<String> ordered = applySetElementOrder(result, patch, schema, strict);

    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode pv = e.getValue();
      if (key.startsWith("$")) {
        if (key.startsWith(DELETE_PRIMITIVE)) {
          deleteFromPrimitiveList(result, key.substring(DELETE_PRIMITIVE.length()), pv);
        } else if (!key.equals(RETAIN_KEYS) && !key.startsWith(SET_ORDER)) {
          throw PatchException.badRequest("unknown strategic merge patch directive: " + key);
        }
        continue;
      }
      if (ordered.contains(key)) {
        continue;
      }
      if (pv.isNull()) {
        result.remove(key);
        continue;
      }
      PatchSchema.Field field = schema.field(key);
      JsonNode ov = result.get(key);
      if (ov != null && ov.isObject() && pv.isObject() && !field.replace()) {
        result.set(key, mergeMap((ObjectNode) ov, (ObjectNode) pv, field.schema()));
      } else if (ov != null && ov.isArray() && pv.isArray()) {
        result.set(key, mergeList((ArrayNode) ov, (ArrayNode) pv, field));
      } else {
        result.set(key, fresh(pv, field));
      }
    }
    return result;
  }

  /** The patch value applied to nothing: directives resolved, nulls dropped. */
  private static JsonNode fresh(JsonNode pv, PatchSchema.Field field) {
    if (pv.isObject()) {
      return mergeMap(null, (ObjectNode) pv, field.schema(), false);
    }
    if (pv.isArray()) {
      return mergeList(NODES.arrayNode(), (ArrayNode) pv, field);
    }
    return pv.deepCopy();
  }

  private static void applyRetainKeys(ObjectNode result, ObjectNode patch) {
    JsonNode retain = patch.get(RETAIN_KEYS);
    if (retain == null) {
      return;
    }
    if (!retain.isArray()) {
      throw PatchException.badRequest("invalid patch format of retainKeys: " + retain);
    }
    Set<String> keep = new HashSet<>();
    for (JsonNode k : retain) {
      if (k.isTextual()) {
        keep.add(k.asText()); // as Kubernetes, anything else names no key
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (e.getValue().isNull() || k.startsWith("$")) {
        continue;
      }
      if (!keep.contains(k)) {
        throw PatchException.unprocessable(
            "patch content doesn't match retainKeys list: " + k + " is not in " + retain);
      }
    }
    result.retain(keep);
  }

  private static void deleteFromPrimitiveList(ObjectNode result, String field, JsonNode values) {
    JsonNode ov = result.get(field);
    if (!values.isArray()) {
      return; // Kubernetes ignores a deletion list that is not a list
    }
    if (ov == null || !ov.isArray()) {
      return;
    }
    ArrayNode kept = NODES.arrayNode();
    for (JsonNode item : ov) {
      if (!contains(values, item)) {
        kept.add(item);
      }
    }
    result.set(field, kept);
  }

  /** Handles every {@code $setElementOrder/x} with its list; returns the fields it merged. */
  private static Set<String> applySetElementOrder(ObjectNode result, ObjectNode patch,
      PatchSchema schema, boolean strict) {
    Set<String> done = new HashSet<>();
    if (!strict) {
      return done; // inside a new value Kubernetes takes the lists as the patch orders them
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().startsWith(SET_ORDER)) {
        continue;
      }
      String field = e.getKey().substring(SET_ORDER.length());
      JsonNode order = e.getValue();
      if (!order.isArray()) {
        throw PatchException.badRequest("invalid patch format of setElementOrder list: "
            + e.getKey() + " must be a list");
      }
      JsonNode ov = result.get(field);
      JsonNode pv = patch.get(field);
      if (pv != null && !pv.isArray()) {
        continue; // null deletes the list, a non-list replaces it: the main loop does that
      }
      ArrayNode originalList = ov != null && ov.isArray() ? (ArrayNode) ov : null;
      PatchSchema.Field meta = schema.field(field);
      String mergeKey = meta.listType() == PatchSchema.ListType.MAP ? meta.mergeKey() : null;
      if (pv != null) {
        validateOrder((ArrayNode) pv, (ArrayNode) order, mergeKey);
      }
      List<JsonNode> merged;
      if (originalList != null && pv != null) {
        merged = elements(mergeList(originalList, (ArrayNode) pv, meta));
      } else if (pv != null) {
        merged = elements(mergeList(NODES.arrayNode(), (ArrayNode) pv, meta));
      } else if (originalList != null) {
        merged = elements(originalList);
      } else {
        continue;
      }
      List<JsonNode> inOrder = new ArrayList<>();
      List<JsonNode> serverOnly = new ArrayList<>();
      for (JsonNode item : merged) {
        (indexOf(elements((ArrayNode) order), item, mergeKey) >= 0 ? inOrder : serverOnly)
            .add(item);
      }
      List<JsonNode> serverOrder = originalList == null ? List.of() : elements(originalList);
      result.set(field, toArray(normalizeOrder(inOrder, serverOnly, elements((ArrayNode) order),
          serverOrder, mergeKey)));
      done.add(field);
    }
    return done;
  }

  /**
   * Every patch item must appear in the order list, in the same relative order. As in
   * Kubernetes, delete items are left out and other directive items are skipped while the order
   * list lasts (so a trailing {@code {"$patch":"replace"}} after the last ordered item fails).
   */
  private static void validateOrder(ArrayNode patchList, ArrayNode order, String mergeKey) {
    if (patchList.isEmpty() || order.isEmpty()) {
      return;
    }
    List<JsonNode> items = new ArrayList<>();
    for (JsonNode item : patchList) {
      if (mergeKey == null || !(item.isObject() && "delete".equals(item.path(PATCH).asText()))) {
        items.add(item);
      }
    }
    int p = 0;
    int o = 0;
    while (p < items.size() && o < order.size()) {
      if (items.get(p).isObject() && items.get(p).has(PATCH)) {
        p++;
        continue;
      }
      if (sameItem(items.get(p), order.get(o), mergeKey)) {
        p++;
      }
      o++;
    }
    if (p < items.size()) {
      throw PatchException.badRequest("invalid patch format of setElementOrder list: the order"
          + " of " + patchList + " does not match " + order);
    }
  }

  // ---- lists

  private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, PatchSchema.Field field) {
    if (field.listType() == PatchSchema.ListType.ATOMIC) {
      return replacement(patch, field);
    }
    boolean maps = false;
    boolean scalars = false;
    for (JsonNode n : original) {
      maps |= n.isObject();
      scalars |= !n.isObject() && !n.isArray();
      if (n.isArray()) {
        throw PatchException.unprocessable("lists of lists are not supported");
      }
    }
    boolean patchMaps = false;
    boolean patchScalars = false;
    for (JsonNode n : patch) {
      patchMaps |= n.isObject();
      patchScalars |= !n.isObject() && !n.isArray();
      if (n.isArray()) {
        throw PatchException.unprocessable("lists of lists are not supported");
      }
    }
    if ((maps || patchMaps) && (scalars || patchScalars)) {
      if (patchMaps && !patchScalars && !maps) {
        // a list of scalars turned into a list of objects: take the patch
        return replacement(patch, field);
      }
      throw PatchException.badRequest("unable to merge list with elements of different types: "
          + patch);
    }
    if (!maps && !patchMaps) {
      return mergeScalars(original, patch);
    }
    String key = field.mergeKey();
    if (key == null) {
      throw PatchException.badRequest("cannot merge lists of objects without a merge key: "
          + patch);
    }
    return mergeObjects(original, patch, key, field.schema());
  }

  /** An atomic list's new value: the patch, with directives resolved inside its objects. */
  private static ArrayNode replacement(ArrayNode patch, PatchSchema.Field field) {
    ArrayNode out = NODES.arrayNode();
    for (JsonNode item : patch) {
      out.add(item.isObject() ? mergeMap(null, (ObjectNode) item, field.schema())
          : item.deepCopy());
    }
    return out;
  }

  private static ArrayNode mergeScalars(ArrayNode original, ArrayNode patch) {
    List<JsonNode> merged = new ArrayList<>();
    for (JsonNode n : original) {
      if (!contains(merged, n)) {
        merged.add(n);
      }
    }
    for (JsonNode n : patch) {
      if (!contains(merged, n)) {
        merged.add(n);
      }
    }
    List<JsonNode> patchItems = new ArrayList<>();
    List<JsonNode> serverOnly = new ArrayList<>();
    for (JsonNode n : merged) {
      (contains(patch, n) ? patchItems : serverOnly).add(n);
    }
    return toArray(normalizeOrder(patchItems, serverOnly, elements(patch), elements(original),
        null));
  }

  private static ArrayNode mergeObjects(ArrayNode original, ArrayNode patch, String key,
      PatchSchema items) {
    List<JsonNode> base = new ArrayList<>();
    for (JsonNode n : original) {
      base.add(n.deepCopy());
    }
    List<ObjectNode> patchItems = new ArrayList<>();
    boolean replace = false;
    for (JsonNode n : patch) {
      ObjectNode item = (ObjectNode) n;
      JsonNode directive = item.get(PATCH);
      if (directive == null) {
        patchItems.add(item);
        continue;
      }
      switch (directive.asText()) {
        case "delete": {
          JsonNode value = item.get(key);
          if (value == null) {
            throw PatchException.badRequest(
                "map: " + item + " does not contain declared merge key: " + key);
          }
          base.removeIf(o -> o.isObject() && JsonTrees.jsonEquals(o.get(key), value));
          break;
        }
        case "replace":
          replace = true;
          break;
        case "merge":
          throw PatchException.badRequest("merging lists cannot yet be specified in the patch");
        default:
          throw PatchException.badRequest("unknown patch type: " + directive + " in map: "
              + item);
      }
    }
    if (replace) {
      base = new ArrayList<>();
    }
    for (ObjectNode item : patchItems) {
      JsonNode value = item.get(key);
      if (value == null) {
        throw PatchException.badRequest(
            "map: " + item + " does not contain declared merge key: " + key);
      }
      int i = indexOf(base, item, key);
      if (i >= 0 && base.get(i).isObject()) {
        base.set(i, mergeMap((ObjectNode) base.get(i), item, items));
      } else {
        base.add(mergeMap(null, item, items));
      }
    }
    List<JsonNode> inPatch = new ArrayList<>();
    List<JsonNode> serverOnly = new ArrayList<>();
    List<JsonNode> patchOrder = new ArrayList<>(patchItems);
    for (JsonNode n : base) {
      (indexOf(patchOrder, n, key) >= 0 ? inPatch : serverOnly).add(n);
    }
    return toArray(normalizeOrder(inPatch, serverOnly, patchOrder, elements(original), key));
  }

  // ---- ordering, as Kubernetes' normalizeElementOrder / mergeSortedSlice

  private static List<JsonNode> normalizeOrder(List<JsonNode> patchItems,
      List<JsonNode> serverOnly, List<JsonNode> patchOrder, List<JsonNode> serverOrder,
      String key) {
    List<JsonNode> left = sortBy(serverOnly, serverOrder, key);
    List<JsonNode> right = sortBy(patchItems, patchOrder, key);
    List<JsonNode> out = new ArrayList<>(left.size() + right.size());
    int i = 0;
    int j = 0;
    while (i < left.size() || j < right.size()) {
      if (j >= right.size()) {
        out.add(left.get(i++));
      } else if (i >= left.size()) {
        out.add(right.get(j++));
      } else {
        int li = indexOf(serverOrder, left.get(i), key);
        int ri = indexOf(serverOrder, right.get(j), key);
        if (li >= 0 && ri >= 0 && li < ri) {
          out.add(left.get(i++));
        } else {
          out.add(right.get(j++));
        }
      }
    }
    return out;
  }

  /**
   * Sorts by position in {@code order} exactly as Kubernetes' {@code normalizeSliceOrder} does:
   * Go's stable insertion sort with a "less" that is true whenever either item is missing from
   * {@code order} (which only matters for items a {@code $setElementOrder} list leaves out).
   */
  private static List<JsonNode> sortBy(List<JsonNode> items, List<JsonNode> order, String key) {
    List<JsonNode> sorted = new ArrayList<>(items);
    int[] pos = new int[sorted.size()];
    for (int i = 0; i < pos.length; i++) {
      pos[i] = indexOf(order, sorted.get(i), key);
    }
    for (int i = 1; i < pos.length; i++) {
      for (int j = i; j > 0 && goLess(pos[j], pos[j - 1]); j--) {
        int p = pos[j];
        pos[j] = pos[j - 1];
        pos[j - 1] = p;
        JsonNode n = sorted.get(j);
        sorted.set(j, sorted.get(j - 1));
        sorted.set(j - 1, n);
      }
    }
    return sorted;
  }

  private static boolean goLess(int a, int b) {
    return a < 0 || b < 0 || a < b;
  }

  // ---- helpers

  private static boolean sameItem(JsonNode a, JsonNode b, String key) {
    if (key == null) {
      return JsonTrees.jsonEquals(a, b);
    }
    return a.isObject() && b.isObject() && a.get(key) != null
        && JsonTrees.jsonEquals(a.get(key), b.get(key));
  }

  private static int indexOf(List<JsonNode> list, JsonNode item, String key) {
    for (int i = 0; i < list.size(); i++) {
      if (sameItem(list.get(i), item, key)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean contains(Iterable<JsonNode> list, JsonNode item) {
    for (JsonNode n : list) {
      if (JsonTrees.jsonEquals(n, item)) {
        return true;
      }
    }
    return false;
  }

  private static List<JsonNode> elements(ArrayNode a) {
    List<JsonNode> out = new ArrayList<>(a.size());
    a.forEach(out::add);
    return out;
  }

  private static ArrayNode toArray(List<JsonNode> items) {
    ArrayNode out = NODES.arrayNode();
    items.forEach(out::add);
    return out;
  }
}
