package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * core/v1 Namespace: DNS-1123 label names, {@code spec.finalizers: [kubernetes]},
 * {@code status.phase: Active} on create, the {@code kubernetes.io/metadata.name} label.
 */
public class NamespaceStrategy extends BaseStrategy {

  /** The label Kubernetes sets on every namespace to its name. */
  public static final String NAME_LABEL = "kubernetes.io/metadata.name";

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Status", "string", "The status of the namespace"), Tables.AGE);

  /** A namespace strategy. */
  public NamespaceStrategy() {
    super(Names.Rule.DNS1123_LABEL, true, false);
  }

  @Override
  protected void onCreate(ObjectNode obj) {
    obj.putObject("status").put("phase", "Active");
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    ArrayNode fins = Nodes.array(spec, "finalizers");
    if (fins == null) {
      fins = spec.putArray("finalizers");
    }
    boolean found = false;
    for (var f : fins) {
      found |= f.isTextual() && f.textValue().equals("kubernetes");
    }
    if (!found) {
      fins.add("kubernetes");
    }
  }

  /**
   * For an update through {@code /finalize}: only {@code spec.finalizers} is taken from
   * {@code obj}; everything else from {@code old}. The handler calls this in place of
   * {@code prepareForUpdate} (which keeps the old spec, as Kubernetes), then {@code validateUpdate}.
   */
  public void prepareForFinalize(ObjectNode obj, ObjectNode old) {
    JsonNode finalizers = Nodes.object(obj, "spec") == null ? null : obj.get("spec").get("finalizers");
    String rv = Nodes.text(Nodes.object(obj, "metadata"), "resourceVersion");
    obj.removeAll();
    obj.setAll(old.deepCopy());
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    if (finalizers == null || finalizers.isNull()) {
      spec.remove("finalizers");
    } else {
      spec.set("finalizers", finalizers);
    }
    if (rv != null) {
      Nodes.metadata(obj).put("resourceVersion", rv);
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    int i = 0;
    for (String f : Nodes.strings(Nodes.object(obj, "spec"), "finalizers")) {
      for (String msg : Names.qualifiedName(f)) {
        errs.add(FieldError.invalid("spec.finalizers[" + i + "]", f, msg));
      }
      i++;
    }
  }

  @Override
  protected void defaults(ObjectNode obj) {
    String name = Nodes.name(obj);
    if (!name.isEmpty()) {
      Nodes.ensureObject(Nodes.metadata(obj), "labels").put(NAME_LABEL, name);
    }
  }

  @Override
  protected void onUpdate(ObjectNode obj, ObjectNode old) {
    // As Kubernetes: spec.finalizers change only through /finalize.
    JsonNode spec = old.get("spec");
    if (spec == null) {
      obj.remove("spec");
    } else {
      obj.set("spec", spec.deepCopy());
    }
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    fields.put("status.phase", Nodes.str(Nodes.object(obj, "status"), "phase"));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), Nodes.str(Nodes.object(obj, "status"), "phase"), Tables.age(obj, now));
  }
}
