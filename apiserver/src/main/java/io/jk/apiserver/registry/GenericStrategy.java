package io.jk.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strategy used for a kind that has no specific one: no defaults, only the metadata rules
 * every kind shares (name and labels), {@code metadata.generation} tracking, status kept apart for resources with a status subresource, and a
 * NAME/AGE table.
 */
public final class GenericStrategy implements ResourceStrategy {

  private final boolean hasStatus;

  /** A strategy for a resource with ({@code hasStatus}) or without a status subresource. */
  public GenericStrategy(boolean hasStatus) {
    this.hasStatus = hasStatus;
  }

  // quoted in the messages; the checks are Names' scans of the same syntax
  private static final String SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
  private static final String LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

  @Override
  public void prepareForCreate(ObjectNode obj) {
    // generic kinds track metadata.generation (see prepareForUpdate)
    obj.with("metadata").put("generation", 1);
  }

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
    return validateMetadata(obj);
  }

  @Override
  public List<FieldError> validateUpdate(ObjectNode obj, ObjectNode old) {
    return validateMetadata(obj);
  }

  /** The metadata rules every kind shares: a DNS-1123 subdomain name and string label values. */
  private static List<FieldError> validateMetadata(ObjectNode obj) {
    List<FieldError> errors = new java.util.ArrayList<>();
    String name = obj.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      errors.add(FieldError.required("metadata.name", "name or generateName is required"));
      return errors;
    }
    if (!io.jk.apiserver.resources.support.Names.isDns1123Subdomain(name) || name.length() > 253) {
      errors.add(FieldError.invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower "
          + "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
          + "'example.com', regex used for validation is '" + SUBDOMAIN + "')"));
    }
    JsonNode labels = obj.path("metadata").path("labels");
    if (!labels.isMissingNode() && !labels.isNull() && !labels.isObject()) {
      errors.add(FieldError.invalid("metadata.labels", labels.toString(), "must be a map of strings"));
    }
    labels.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        errors.add(FieldError.invalid("metadata.labels", e.getValue().toString(), "label values must be strings"));
      } else if (e.getValue().asText().length() > 63 || !io.jk.apiserver.resources.support.Names.isLabelValue(e.getValue().asText())) {
        errors.add(FieldError.invalid("metadata.labels", e.getValue().asText(),
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
                + "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                + "used for validation is '" + LABEL_VALUE + "')"));
      }
    });
    return errors;
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
