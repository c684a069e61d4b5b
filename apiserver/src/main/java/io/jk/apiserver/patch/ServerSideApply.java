package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Server-side apply ({@code application/apply-patch+yaml}) and the bookkeeping of
 * {@code metadata.managedFields} for ordinary writes.
 *
 * <p>Each {@code managedFields} entry records, for one manager and operation ({@code Apply} or
 * {@code Update}), the set of fields it owns as FieldsV1. An apply:
 * <ol>
 *   <li>computes the fields the applied configuration sets (lists merge as the kind's
 *       {@link PatchSchema} says: keyed items, set values, or atomic lists);
 *   <li>reports a {@link Conflict} for every such field another manager owns with a different
 *       live value, unless {@code force}, which moves those fields to the applier;
 *   <li>removes the fields this manager applied before and no longer applies, unless another
 *       manager still owns them (or something below them);
 *   <li>merges the applied values into the live object and records the applier's new set.
 * </ol>
 * Bookkeeping fields ({@code apiVersion}, {@code kind}, {@code metadata.name/namespace/uid/
 * resourceVersion/generation/creationTimestamp/managedFields/...}) are never owned; for the main
 * resource {@code status} is not owned, for the {@code status} subresource only {@code status}
 * is. {@code null}s in an applied configuration are ignored. Pure functions: inputs never change.
 */
public final class ServerSideApply {

  /** The {@code operation} of an apply entry. */
  public static final String APPLY = "Apply";
  /** The {@code operation} of an entry written by create/update/patch. */
  public static final String UPDATE = "Update";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> UNOWNED_METADATA = Set.of("f:name", "f:namespace", "f:uid",
      "f:resourceVersion", "f:generation", "f:creationTimestamp", "f:managedFields",
      "f:selfLink", "f:deletionTimestamp", "f:deletionGracePeriodSeconds");

  private ServerSideApply() {}

  /**
   * A field the applier sets to a value other than the live one, owned by another manager.
   *
   * @param manager the other manager's name
   * @param operation the other manager's operation ({@code Apply} or {@code Update})
   * @param apiVersion the API version the other manager wrote with
   * @param path the field
   */
  public record Conflict(String manager, String operation, String apiVersion, FieldPath path) {

    /** The manager as Kubernetes prints it: {@code "kubectl"} or {@code "x" using apps/v1}. */
    public String managerText() {
      String quoted = '"' + manager + '"';
      return UPDATE.equals(operation) && apiVersion != null ? quoted + " using " + apiVersion
          : quoted;
    }

    /** The cause message of a Status detail: {@code conflict with "x" using apps/v1}. */
    public String causeMessage() {
      return "conflict with " + managerText();
    }

    /** The Status detail field: e.g. {@code .spec.replicas}. */
    public String field() {
      return path.toString();
    }
  }

  /**
   * The outcome of an apply: the new object (with {@code managedFields}) or the conflicts.
   *
   * @param object the applied object, or null when there are conflicts
   * @param conflicts empty on success
   */
  public record Result(ObjectNode object, List<Conflict> conflicts) {
    /** Whether the apply succeeded. */
    public boolean ok() {
      return conflicts.isEmpty();
    }

    /** Kubernetes' 409 message, e.g. {@code Apply failed with 1 conflict: conflict with ...}. */
    public String conflictMessage() {
      return ServerSideApply.conflictMessage(conflicts);
    }
  }

  /**
   * Kubernetes' message for apply conflicts (the message of the 409 Conflict Status).
   */
  public static String conflictMessage(List<Conflict> conflicts) {
    if (conflicts.isEmpty()) {
      return "";
    }
    if (conflicts.size() == 1) {
      Conflict c = conflicts.get(0);
      return "Apply failed with 1 conflict: conflict with " + c.managerText() + ": " + c.field();
    }
    Map<String, List<Conflict>> byManager = new java.util.TreeMap<>();
    for (Conflict c : conflicts) {
      byManager.computeIfAbsent(c.managerText(), k -> new ArrayList<>()).add(c);
    }
    List<String> lines = new ArrayList<>();
    byManager.forEach((m, cs) -> {
      lines.add("conflicts with " + m + ":");
      cs.forEach(c -> lines.add("- " + c.field()));
    });
    return "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
  }

  /**
   * Applies a configuration for {@code manager}.
   *
   * @param live the stored object, or null to create it from {@code applied}
   * @param applied the applied configuration (a JSON object)
   * @param manager the field manager ({@code fieldManager} query parameter), required
   * @param force whether to take conflicting fields from other managers ({@code force=true})
   * @param schema the kind's schema ({@link PatchSchema#NONE}: every list atomic)
   * @param now the time recorded in the entry
   * @return the new object with {@code metadata.managedFields}, or the conflicts
   * @throws PatchException 400 when {@code applied} is not an object or the manager is missing
   */
  public static Result apply(JsonNode live, JsonNode applied, String manager, boolean force,
      PatchSchema schema, Instant now) {
    return apply(live, applied, manager, force, schema, now, null);
  }

  /**
   * Applies a configuration through a subresource: with {@code "status"} only {@code status}
   * fields are owned and the entry records {@code subresource: status}
   * ({@code kubectl apply --server-side --subresource=status}); null is the main resource.
   *
   * @see #apply(JsonNode, JsonNode, String, boolean, PatchSchema, Instant)
   */
  public static Result apply(JsonNode live, JsonNode applied, String manager, boolean force,
      PatchSchema schema, Instant now, String subresource) {
    if (applied == null || !applied.isObject()) {
      throw PatchException.badRequest("an apply configuration must be an object, not "
          + JsonTrees.typeName(applied));
    }
    if (manager == null || manager.isEmpty()) {
      throw PatchException.badRequest("fieldManager is required for apply requests");
    }
    PatchSchema s = schema == null || schema.isNone() ? PatchSchema.EMPTY : schema;
    ObjectNode config = withoutNulls((ObjectNode) applied);
    JsonNode meta = config.get("metadata");
    if (meta != null && meta.isObject() && meta.has("managedFields")) {
      throw PatchException.badRequest("metadata.managedFields must be nil");
    }
    Set<FieldPath> appliedSet = tracked(FieldSets.of(config, s), subresource);

    List<Entry> entries = live == null ? new ArrayList<>() : Entry.parseAll(live);
    Entry own = find(entries, manager, APPLY, subresource);

    List<Conflict> conflicts = new ArrayList<>();
    if (live != null) {
      for (Entry e : entries) {
        if (e == own) {
          continue;
        }
        for (FieldPath p : appliedSet) {
          if (!e.fields.contains(p) || !p.tokens().get(p.tokens().size() - 1).startsWith("f:")) {
            continue;
          }
          JsonNode lv = FieldSets.valueAt(live, p);
          if (lv != null && !JsonTrees.jsonEquals(lv, FieldSets.valueAt(config, p))) {
            conflicts.add(new Conflict(e.manager, e.operation, e.apiVersion, p));
          }
        }
      }
    }
    if (!conflicts.isEmpty() && !force) {
      return new Result(null, List.copyOf(conflicts));
    }
    for (Conflict c : conflicts) {
      for (Entry e : entries) {
        if (e.manager.equals(c.manager()) && e.operation.equals(c.operation())) {
          e.fields.remove(c.path());
        }
      }
    }

    ObjectNode obj = live != null && live.isObject() ? ((ObjectNode) live).deepCopy()
        : NODES.objectNode();
    if (own != null) {
      List<FieldPath> removed = new ArrayList<>(own.fields);
      removed.removeAll(appliedSet);
      // shallow first: a dropped list item goes as a whole; the key fields of an item that
      // stays (because another manager owns part of it) are never removed
      removed.sort(Comparator.comparingInt((FieldPath p) -> p.tokens().size()));
      for (FieldPath p : removed) {
        if (!isItemKey(p) && !ownedByOthers(entries, own, p)) {
          FieldSets.remove(obj, p);
        }
      }
    }
    obj = (ObjectNode) merge(obj, config, s);

    String apiVersion = textOrNull(config.get("apiVersion"));
    // a repeated apply that changes nothing keeps its entry's time, so the result equals the
    // live object and the caller can skip the write (no new resourceVersion), as Kubernetes does
    boolean noop = own != null && own.fields.equals(appliedSet)
        && Objects.equals(own.apiVersion, apiVersion) && conflicts.isEmpty()
        && withoutManagedFields(obj).equals(withoutManagedFields(live));
    if (own == null) {
      own = new Entry(manager, APPLY, subresource);
      entries.add(own);
    }
    own.fields = new LinkedHashSet<>(appliedSet);
    own.apiVersion = apiVersion;
    if (!noop) {
      own.time = now;
    }
    Entry applier = own;
    entries.removeIf(e -> e.fields.isEmpty() && e != applier);
    writeEntries(obj, entries);
    return new Result(obj, List.of());
  }

  /**
   * Records an ordinary write (create, update, patch) by {@code manager} in the new object's
   * {@code managedFields}: the fields it changed become its own (operation {@code Update}) and
   * leave every other manager; fields no longer in the object leave everyone. Unchanged objects
   * keep their entries as they are.
   *
   * @param old the object before the write, or null for a create
   * @param updated the object as it will be stored (its own {@code managedFields} are ignored)
   * @param manager the field manager; null or empty records nothing but still carries over
   *     {@code old}'s entries
   * @param subresource null for the main resource, {@code "status"} for the status subresource
   * @return a copy of {@code updated} with {@code metadata.managedFields}
   */
  public static ObjectNode recordUpdate(JsonNode old, ObjectNode updated, String manager,
      String subresource, PatchSchema schema, Instant now) {
    PatchSchema s = schema == null || schema.isNone() ? PatchSchema.EMPTY : schema;
    ObjectNode obj = updated.deepCopy();
    List<Entry> entries = old == null ? new ArrayList<>() : Entry.parseAll(old);
    if (manager != null && !manager.isEmpty()) {
      Set<FieldPath> newSet = tracked(FieldSets.of(obj, s), subresource);
      Set<FieldPath> changed = new LinkedHashSet<>();
      for (FieldPath p : newSet) {
        if (old == null || !sameAt(old, obj, p)) {
          changed.add(p);
        }
      }
      for (Entry e : entries) {
        e.fields.removeAll(changed);
        e.fields.removeIf(p -> FieldSets.valueAt(obj, p) == null);
      }
      Entry own = find(entries, manager, UPDATE, subresource);
      if (!changed.isEmpty()) {
        if (own == null) {
          own = new Entry(manager, UPDATE, subresource);
          entries.add(own);
        }
        own.fields.addAll(changed);
        own.apiVersion = textOrNull(obj.get("apiVersion"));
        own.time = now;
      }
      entries.removeIf(e -> e.fields.isEmpty());
    }
    writeEntries(obj, entries);
    return obj;
  }

  /**
   * Records a create by {@code manager} in {@code created}'s {@code managedFields}, in place: the
   * same result as {@code recordUpdate(null, created, manager, subresource, schema, now)} without
   * its copies (one walk of the object straight to the FieldsV1 tree), for the hot create path.
   *
   * @return {@code created}, with one {@code Update} entry for {@code manager} (none when it sets
   *     no field a manager can own, or when {@code manager} is null or empty)
   */
  public static ObjectNode recordCreateInPlace(ObjectNode created, String manager, String subresource,
      PatchSchema schema, Instant now) {
    PatchSchema s = schema == null || schema.isNone() ? PatchSchema.EMPTY : schema;
    ObjectNode fields = manager == null || manager.isEmpty() ? null
        : FieldSets.ownedFieldsV1(created, s, "status".equals(subresource), UNOWNED_METADATA);
    JsonNode meta = created.get("metadata");
    if (fields == null) {
      if (meta != null && meta.isObject()) {
        ((ObjectNode) meta).remove("managedFields");
      }
      return created;
    }
    ObjectNode entry = NODES.objectNode();
    entry.put("manager", manager);
    entry.put("operation", UPDATE);
    String apiVersion = textOrNull(created.get("apiVersion"));
    if (apiVersion != null) {
      entry.put("apiVersion", apiVersion);
    }
    entry.put("time", now.truncatedTo(ChronoUnit.SECONDS).toString());
    entry.put("fieldsType", "FieldsV1");
    entry.set("fieldsV1", fields);
    if (subresource != null) {
      entry.put("subresource", subresource);
    }
    ObjectNode m = meta != null && meta.isObject() ? (ObjectNode) meta : created.putObject("metadata");
    m.putArray("managedFields").add(entry);
    return created;
  }

  /** The fields each manager owns, from an object's {@code managedFields}, for inspection. */
  public static Map<String, Set<FieldPath>> ownership(JsonNode obj) {
    Map<String, Set<FieldPath>> out = new LinkedHashMap<>();
    for (Entry e : Entry.parseAll(obj)) {
      out.computeIfAbsent(e.manager + "/" + e.operation
          + (e.subresource == null ? "" : "/" + e.subresource), k -> new LinkedHashSet<>())
          .addAll(e.fields);
    }
    return out;
  }

  // ---- internals

  private static boolean sameAt(JsonNode old, JsonNode now, FieldPath p) {
    JsonNode a = FieldSets.valueAt(old, p);
    if (a == null) {
      return false;
    }
    String last = p.tokens().get(p.tokens().size() - 1);
    return !last.startsWith("f:") || JsonTrees.jsonEquals(a, FieldSets.valueAt(now, p));
  }

  /** Whether the path is a merge-key field of a keyed-list item ({@code ...k:{"name":..}.f:name}). */
  private static boolean isItemKey(FieldPath p) {
    List<String> t = p.tokens();
    if (t.size() < 2 || !t.get(t.size() - 2).startsWith("k:")) {
      return false;
    }
    String last = t.get(t.size() - 1);
    return last.startsWith("f:")
        && FieldPath.keyFields(t.get(t.size() - 2)).containsKey(last.substring(2));
  }

  private static boolean ownedByOthers(List<Entry> entries, Entry own, FieldPath p) {
    for (Entry e : entries) {
      if (e == own) {
        continue;
      }
      for (FieldPath q : e.fields) {
        if (p.isPrefixOf(q)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Set<FieldPath> tracked(Set<FieldPath> paths, String subresource) {
    Set<FieldPath> out = new LinkedHashSet<>();
    for (FieldPath p : paths) {
      List<String> t = p.tokens();
      String top = t.get(0);
      if (top.equals("f:apiVersion") || top.equals("f:kind")) {
        continue;
      }
      if (top.equals("f:metadata") && (t.size() == 1 || UNOWNED_METADATA.contains(t.get(1)))) {
        continue;
      }
      boolean status = top.equals("f:status");
      if ("status".equals(subresource) != status) {
        continue;
      }
      out.add(p);
    }
    return out;
  }

  /** Merges an applied configuration into an object, lists as the schema says. */
  private static JsonNode merge(JsonNode live, JsonNode applied, PatchSchema schema) {
    if (!(applied.isObject() && live != null && live.isObject())) {
      return applied.deepCopy();
    }
    ObjectNode out = ((ObjectNode) live).deepCopy();
    for (Iterator<Map.Entry<String, JsonNode>> it = applied.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      PatchSchema.Field f = schema.field(e.getKey());
      JsonNode lv = out.get(e.getKey());
      JsonNode av = e.getValue();
      if (av.isArray() && lv != null && lv.isArray()) {
        out.set(e.getKey(), mergeList((ArrayNode) lv, (ArrayNode) av, f));
      } else {
        out.set(e.getKey(), merge(lv, av, f.schema()));
      }
    }
    return out;
  }

  private static JsonNode mergeList(ArrayNode live, ArrayNode applied, PatchSchema.Field f) {
    switch (f.listType()) {
      case SET: {
        ArrayNode out = live.deepCopy();
        for (JsonNode v : applied) {
          boolean present = false;
          for (JsonNode l : out) {
            present |= JsonTrees.jsonEquals(l, v);
          }
          if (!present) {
            out.add(v.deepCopy());
          }
        }
        return out;
      }
      case MAP: {
        String key = f.mergeKey();
        for (JsonNode item : applied) {
          if (!item.isObject() || item.get(key) == null) {
            return applied.deepCopy();
          }
        }
        ArrayNode out = live.deepCopy();
        for (JsonNode item : applied) {
          int found = -1;
          for (int i = 0; i < out.size() && found < 0; i++) {
            if (out.get(i).isObject()
                && JsonTrees.jsonEquals(out.get(i).get(key), item.get(key))) {
              found = i;
            }
          }
          if (found >= 0) {
            out.set(found, merge(out.get(found), item, f.schema()));
          } else {
            out.add(item.deepCopy());
          }
        }
        return out;
      }
      default:
        return applied.deepCopy();
    }
  }

  private static ObjectNode withoutNulls(ObjectNode in) {
    ObjectNode out = NODES.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      out.set(e.getKey(), v.isObject() ? withoutNulls((ObjectNode) v) : v.deepCopy());
    }
    return out;
  }

  private static JsonNode withoutManagedFields(JsonNode obj) {
    if (obj == null || !obj.path("metadata").isObject()) {
      return obj;
    }
    ObjectNode copy = ((ObjectNode) obj).deepCopy();
    ((ObjectNode) copy.get("metadata")).remove("managedFields");
    return copy;
  }

  private static String textOrNull(JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  private static Entry find(List<Entry> entries, String manager, String op, String sub) {
    for (Entry e : entries) {
      if (e.manager.equals(manager) && e.operation.equals(op)
          && Objects.equals(e.subresource, sub)) {
        return e;
      }
    }
    return null;
  }

  private static void writeEntries(ObjectNode obj, List<Entry> entries) {
    JsonNode meta = obj.get("metadata");
    if (meta == null || !meta.isObject()) {
      if (entries.isEmpty()) {
        return;
      }
      meta = obj.putObject("metadata");
    }
    if (entries.isEmpty()) {
      ((ObjectNode) meta).remove("managedFields");
      return;
    }
    ArrayNode arr = ((ObjectNode) meta).putArray("managedFields");
    for (Entry e : entries) {
      arr.add(e.toJson());
    }
  }

  /** One {@code managedFields} entry, mutable while an operation is computed. */
  private static final class Entry {
    final String manager;
    final String operation;
    final String subresource;
    String apiVersion;
    Instant time;
    String rawTime;
    Set<FieldPath> fields = new LinkedHashSet<>();

    Entry(String manager, String operation, String subresource) {
      this.manager = manager;
      this.operation = operation;
      this.subresource = subresource;
    }

    static List<Entry> parseAll(JsonNode obj) {
      List<Entry> out = new ArrayList<>();
      JsonNode mf = obj.path("metadata").path("managedFields");
      if (!mf.isArray()) {
        return out;
      }
      for (JsonNode n : mf) {
        String manager = textOrNull(n.get("manager"));
        String op = textOrNull(n.get("operation"));
        if (manager == null || op == null) {
          continue;
        }
        Entry e = new Entry(manager, op, textOrNull(n.get("subresource")));
        e.apiVersion = textOrNull(n.get("apiVersion"));
        e.rawTime = textOrNull(n.get("time"));
        e.fields = FieldSets.fromFieldsV1(n.get("fieldsV1"));
        out.add(e);
      }
      return out;
    }

    ObjectNode toJson() {
      ObjectNode o = NODES.objectNode();
      o.put("manager", manager);
      o.put("operation", operation);
      if (apiVersion != null) {
        o.put("apiVersion", apiVersion);
      }
      if (time != null) {
        o.put("time", time.truncatedTo(ChronoUnit.SECONDS).toString());
      } else if (rawTime != null) {
        o.put("time", rawTime);
      }
      o.put("fieldsType", "FieldsV1");
      o.set("fieldsV1", FieldSets.toFieldsV1(fields));
      if (subresource != null) {
        o.put("subresource", subresource);
      }
      return o;
    }
  }
}
