package io.jk.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strategy used for a kind that has no specific one: no defaults and no validation beyond
 * the generic handler's, status kept apart for resources with a status subresource, and a
 * NAME/AGE table.
 */
public final class GenericStrategy implements ResourceStrategy {

  private final boolean hasStatus;

  /** A strategy for a resource with ({@code hasStatus}) or without a status subresource. */
  public GenericStrategy(boolean hasStatus) {
    this.hasStatus = hasStatus;
  }

  @Override
  public void prepareForCreate(ObjectNode obj) {}

  @Override
  public void prepareForUpdate(ObjectNode obj, ObjectNode old) {
    if (hasStatus) {
      if (old.has("status")) {
        obj.set("status", old.get("status").deepCopy());
      } else {
        obj.remove("status");
      }
    }
    JsonNode oldSpec = old.get("spec");
    JsonNode newSpec = obj.get("spec");
    long gen = old.path("metadata").path("generation").asLong(1);
    boolean changed = oldSpec == null ? newSpec != null : !oldSpec.equals(newSpec);
    ((ObjectNode) obj.with("metadata")).put("generation", changed ? gen + 1 : gen);
  }

  @Override
  public void prepareForStatusUpdate(ObjectNode obj, ObjectNode old) {
    JsonNode status = obj.get("status");
    JsonNode meta = obj.get("metadata");
    obj.removeAll();
    obj.setAll(old.deepCopy());
    if (status != null) {
      obj.set("status", status);
    } else {
      obj.remove("status");
    }
    // labels and annotations may change through status as Kubernetes allows; the rest is kept
    if (meta instanceof ObjectNode m && obj.get("metadata") instanceof ObjectNode om) {
      om.set("resourceVersion", m.get("resourceVersion"));
    }
  }

  @Override
  public void applyDefaults(ObjectNode obj) {}

  @Override
  public List<FieldError> validate(ObjectNode obj) {
    return List.of();
  }

  @Override
  public List<FieldError> validateUpdate(ObjectNode obj, ObjectNode old) {
    return List.of();
  }

  @Override
  public Map<String, String> selectableFields(ObjectNode obj) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("metadata.name", obj.path("metadata").path("name").asText(""));
    m.put("metadata.namespace", obj.path("metadata").path("namespace").asText(""));
    return m;
  }

  @Override
  public List<TableColumn> tableColumns() {
    return List.of(
        new TableColumn("Name", "string", "name",
            "Name must be unique within a namespace.", 0),
        new TableColumn("Age", "string", "",
            "CreationTimestamp is a timestamp representing the server time when this object was created.", 0));
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    String created = obj.path("metadata").path("creationTimestamp").asText("");
    return List.of(obj.path("metadata").path("name").asText(""), Ages.since(created, now));
  }
}
