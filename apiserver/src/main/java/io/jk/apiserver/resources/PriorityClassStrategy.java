package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** scheduling.k8s.io/v1 PriorityClass: value limits, reserved names, immutable value, Table. */
public class PriorityClassStrategy extends BaseStrategy {

  /** Highest value of a user-defined priority class. */
  public static final long HIGHEST_USER_PRIORITY = 1_000_000_000L;
  /** The system classes and their values. */
  public static final Map<String, Long> SYSTEM_CLASSES = Map.of(
      "system-node-critical", 2000001000L, "system-cluster-critical", 2000000000L);
  private static final List<String> PREEMPTION = List.of("Never", "PreemptLowerPriority");

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Value", "integer", "value represents the integer value of this priority class."),
      new TableColumn("Global-Default", "boolean", "", "globalDefault specifies whether this PriorityClass should be "
          + "considered as the default priority for pods that do not have any priority class.", 0),
      Tables.AGE,
      Tables.col("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority."));

  /** A priority class strategy. */
  public PriorityClassStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    Nodes.defaultText(obj, "preemptionPolicy", "PreemptLowerPriority");
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    String name = Nodes.name(obj);
    Long value = Nodes.integer(obj, "value");
    Long system = SYSTEM_CLASSES.get(name);
    if (system != null) {
      if (value == null || !value.equals(system)) {
        errs.add(FieldError.forbidden("metadata.name", name + " is a system priority class name and must have value "
            + system));
      }
    } else if (name.startsWith("system-")) {
      errs.add(FieldError.invalid("metadata.name", name,
          "priority class names with 'system-' prefix are reserved for system use only"));
    } else if (value != null && value > HIGHEST_USER_PRIORITY) {
      errs.add(FieldError.forbidden("value", "maximum allowed value of a user defined priority is "
          + HIGHEST_USER_PRIORITY));
    }
    if (value == null) {
      errs.add(FieldError.required("value", ""));
    }
    String p = Nodes.str(obj, "preemptionPolicy");
    if (!PREEMPTION.contains(p)) {
      errs.add(FieldError.notSupported("preemptionPolicy", p, PREEMPTION));
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    if (!Nodes.same(obj.get("value"), old.get("value"))) {
      errs.add(FieldError.forbidden("value", "may not be changed in an update."));
    }
    if (!Nodes.same(obj.get("preemptionPolicy"), old.get("preemptionPolicy"))) {
      errs.add(FieldError.invalid("preemptionPolicy", Nodes.str(obj, "preemptionPolicy"), "field is immutable"));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), Tables.intOf(obj, "value"), Nodes.isTrue(obj, "globalDefault"), Tables.age(obj, now),
        Nodes.str(obj, "preemptionPolicy"));
  }
}
