package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The behaviour shared by every kind: metadata validation (name format, labels, annotations,
 * owner references, finalizers), {@code metadata.generation} tracking, the status subresource
 * rules, the {@code metadata.name}/{@code metadata.namespace} field selectors and the default
 * Table (Name, Created At). Kinds extend it and override the {@code protected} hooks.
 */
public class BaseStrategy implements ResourceStrategy {

  /** Largest total size of a object's annotations (keys and values), as Kubernetes. */
  public static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

  private final Names.Rule nameRule;
  private final boolean statusSubresource;
  private final boolean tracksGeneration;

  /**
   * @param nameRule how {@code metadata.name} is validated
   * @param statusSubresource whether {@code status} is written only through {@code /status}
   * @param tracksGeneration whether {@code metadata.generation} starts at 1 and grows on spec changes
   */
  public BaseStrategy(Names.Rule nameRule, boolean statusSubresource, boolean tracksGeneration) {
    this.nameRule = nameRule;
    this.statusSubresource = statusSubresource;
    this.tracksGeneration = tracksGeneration;
  }

  /** A strategy with DNS-1123 subdomain names, no status subresource and no generation. */
  public BaseStrategy() {
    this(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  /** Whether this kind has a status subresource. */
  public boolean hasStatusSubresource() {
    return statusSubresource;
  }

  @Override
  public final void prepareForCreate(ObjectNode obj) {
    if (statusSubresource && clearsStatusOnCreate()) {
      obj.remove("status");
    }
    if (tracksGeneration) {
      Nodes.metadata(obj).put("generation", 1);
    } else if (obj.get("metadata") instanceof ObjectNode meta) {
      meta.remove("generation");
    }
    onCreate(obj);
  }

  @Override
  public final void prepareForUpdate(ObjectNode obj, ObjectNode old) {
    if (statusSubresource) {
      JsonNode oldStatus = old.get("status");
      if (oldStatus == null) {
        obj.remove("status");
      } else {
        obj.set("status", oldStatus.deepCopy());
      }
    }
    ObjectNode meta = Nodes.metadata(obj);
    Long oldGen = Nodes.integer(Nodes.object(old, "metadata"), "generation");
    if (tracksGeneration) {
      long gen = oldGen == null ? 1 : oldGen;
      // Defaults run after this method; compare what will be stored, so that a client leaving
      // defaulted fields out does not look like a change.
      ObjectNode defaulted = obj.deepCopy();
      defaults(defaulted);
      if (specChanged(defaulted, old)) {
        gen++;
      }
      Nodes.putInt(meta, "generation", gen);
    } else if (oldGen != null) {
      Nodes.putInt(meta, "generation", oldGen);
    } else {
      meta.remove("generation");
    }
    onUpdate(obj, old);
  }

  @Override
  public final void prepareForStatusUpdate(ObjectNode obj, ObjectNode old) {
    JsonNode status = obj.get("status");
    String rv = Nodes.text(Nodes.object(obj, "metadata"), "resourceVersion");
    obj.removeAll();
    obj.setAll(old.deepCopy());
    if (status == null) {
      obj.remove("status");
    } else {
      obj.set("status", status);
    }
    if (rv != null) {
      Nodes.metadata(obj).put("resourceVersion", rv);
    }
    onStatusUpdate(obj, old);
  }

  @Override
  public final void applyDefaults(ObjectNode obj) {
    defaults(obj);
  }

  @Override
  public final List<FieldError> validate(ObjectNode obj) {
    List<FieldError> errs = new ArrayList<>();
    validateMetadata(obj, errs);
    validateObject(obj, errs);
    return errs;
  }

  @Override
  public final List<FieldError> validateUpdate(ObjectNode obj, ObjectNode old) {
    List<FieldError> errs = new ArrayList<>();
    validateMetadata(obj, errs);
    ObjectNode meta = Nodes.object(obj, "metadata");
    ObjectNode oldMeta = Nodes.object(old, "metadata");
    for (String f : List.of("name", "namespace", "uid", "creationTimestamp")) {
      JsonNode now = meta == null ? null : meta.get(f);
      JsonNode was = oldMeta == null ? null : oldMeta.get(f);
      if (was != null && !was.isNull() && !Nodes.same(now, was)) {
        errs.add(FieldError.invalid("metadata." + f, now == null ? "" : now.isTextual() ? now.textValue() : now.toString(),
            "field is immutable"));
      }
    }
    validateObject(obj, errs);
    validateObjectUpdate(obj, old, errs);
    return errs;
  }

  @Override
  public final Map<String, String> selectableFields(ObjectNode obj) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("metadata.name", Nodes.name(obj));
    fields.put("metadata.namespace", Nodes.namespace(obj));
    addSelectableFields(obj, fields);
    return fields;
  }

  @Override
  public List<TableColumn> tableColumns() {
    return List.of(Tables.NAME, Tables.CREATED_AT);
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), Nodes.str(Nodes.object(obj, "metadata"), "creationTimestamp"));
  }

  // ---- hooks -------------------------------------------------------------------------------

  /** Whether the update changes what bumps {@code metadata.generation} (by default {@code spec}). */
  protected boolean specChanged(ObjectNode obj, ObjectNode old) {
    return !Nodes.same(obj.get("spec"), old.get("spec"));
  }

  /** Whether a create drops the client's {@code status} (kinds with a status subresource, except nodes). */
  protected boolean clearsStatusOnCreate() {
    return true;
  }

  /** Kind-specific create preparation, after status and generation were handled. */
  protected void onCreate(ObjectNode obj) {}

  /** Kind-specific update preparation, after status and generation were handled. */
  protected void onUpdate(ObjectNode obj, ObjectNode old) {}

  /** Kind-specific status update preparation (e.g. keep spec fields a status writer may set). */
  protected void onStatusUpdate(ObjectNode obj, ObjectNode old) {}

  /** Kind-specific defaults. */
  protected void defaults(ObjectNode obj) {}

  /** Kind-specific validation of the whole object (create and update). */
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {}

  /** Kind-specific validation of an update (immutable fields). */
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {}

  /** Kind-specific field selector values. */
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {}

  // ---- metadata ----------------------------------------------------------------------------

  private void validateMetadata(ObjectNode obj, List<FieldError> errs) {
    JsonNode metaNode = obj.get("metadata");
    if (metaNode != null && !metaNode.isNull() && !metaNode.isObject()) {
      errs.add(FieldError.invalid("metadata", metaNode.toString(), "must be an object"));
      return;
    }
    ObjectNode meta = (ObjectNode) metaNode;
    String name = Nodes.str(meta, "name");
    String generateName = Nodes.str(meta, "generateName");
    if (name.isEmpty()) {
      if (generateName.isEmpty()) {
        errs.add(FieldError.required("metadata.name", "name or generateName is required"));
      }
    } else {
      for (String msg : nameRule.check(name)) {
        errs.add(FieldError.invalid("metadata.name", name, msg));
      }
    }
    if (meta == null) {
      return;
    }
    validateLabels(meta.get("labels"), "metadata.labels", errs);
    validateAnnotations(meta.get("annotations"), "metadata.annotations", errs);
    validateOwnerReferences(meta, errs);
    int i = 0;
    for (String f : Nodes.strings(meta, "finalizers")) {
      for (String msg : Names.qualifiedName(f)) {
        errs.add(FieldError.invalid("metadata.finalizers", f, msg));
      }
      i++;
    }
  }

  /** Validates a label map (keys qualified names, values label values) at {@code path}. */
  public static void validateLabels(JsonNode labels, String path, List<FieldError> errs) {
    if (labels == null || labels.isNull()) {
      return;
    }
    if (!labels.isObject()) {
      errs.add(FieldError.invalid(path, labels.toString(), "must be a map of strings"));
      return;
    }
    labels.fields().forEachRemaining(e -> {
      for (String msg : Names.qualifiedName(e.getKey())) {
        errs.add(FieldError.invalid(path, e.getKey(), msg));
      }
      if (!e.getValue().isTextual()) {
        errs.add(FieldError.invalid(path, e.getValue().toString(), "must be a string"));
        return;
      }
      for (String msg : Names.labelValue(e.getValue().textValue())) {
        errs.add(FieldError.invalid(path, e.getValue().textValue(), msg));
      }
    });
  }

  private static void validateAnnotations(JsonNode annotations, String path, List<FieldError> errs) {
    if (annotations == null || annotations.isNull()) {
      return;
    }
    if (!annotations.isObject()) {
      errs.add(FieldError.invalid(path, annotations.toString(), "must be a map of strings"));
      return;
    }
    long[] total = {0};
    annotations.fields().forEachRemaining(e -> {
      for (String msg : Names.qualifiedName(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
        errs.add(FieldError.invalid(path, e.getKey(), msg));
      }
      total[0] += e.getKey().length();
      if (e.getValue().isTextual()) {
        total[0] += e.getValue().textValue().length();
      } else {
        errs.add(FieldError.invalid(path + "[" + e.getKey() + "]", e.getValue().toString(), "must be a string"));
      }
    });
    if (total[0] > TOTAL_ANNOTATION_SIZE_LIMIT) {
      errs.add(new FieldError("FieldValueTooLong", path, "Too long: must have at most " + TOTAL_ANNOTATION_SIZE_LIMIT + " bytes"));
    }
  }

  private static void validateOwnerReferences(ObjectNode meta, List<FieldError> errs) {
    List<String> controllers = new ArrayList<>();
    for (ObjectNode ref : Nodes.objects(meta, "ownerReferences")) {
      if (ref == null) {
        errs.add(FieldError.invalid("metadata.ownerReferences", "", "must be an object"));
        continue;
      }
      if (Nodes.str(ref, "apiVersion").isEmpty()) {
        errs.add(FieldError.invalid("metadata.ownerReferences.apiVersion", "", "version must not be empty"));
      }
      if (Nodes.str(ref, "kind").isEmpty()) {
        errs.add(FieldError.invalid("metadata.ownerReferences.kind", "", "kind must not be empty"));
      }
      if (Nodes.str(ref, "name").isEmpty()) {
        errs.add(FieldError.invalid("metadata.ownerReferences.name", "", "name must not be empty"));
      }
      if (Nodes.str(ref, "uid").isEmpty()) {
        errs.add(FieldError.invalid("metadata.ownerReferences.uid", "", "uid must not be empty"));
      }
      if (Nodes.isTrue(ref, "controller")) {
        controllers.add("\"" + Nodes.str(ref, "kind") + "/" + Nodes.str(ref, "name") + "\"");
      }
    }
    if (controllers.size() > 1) {
      errs.add(FieldError.invalid("metadata.ownerReferences", Nodes.array(meta, "ownerReferences").toString(),
          "Only one reference can have Controller set to true. Found \"true\" in references for "
              + String.join(" and ", controllers)));
    }
  }
}
