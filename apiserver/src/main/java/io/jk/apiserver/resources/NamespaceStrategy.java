package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  @Override
  protected void onUpdate(ObjectNode obj, ObjectNode old) {
    // spec.finalizers are changed only through /finalize.
    if (old.has("spec")) {
      obj.set("spec", old.get("spec").deepCopy());
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
