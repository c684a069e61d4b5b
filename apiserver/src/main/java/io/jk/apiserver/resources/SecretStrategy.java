package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * core/v1 Secret: type Opaque by default, config keys, base64 {@code data}, {@code stringData}
 * merged into {@code data}, the per-type required keys, {@code immutable}, Table.
 */
public class SecretStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Type", "string", "Used to facilitate programmatic handling of secret data."),
      Tables.col("Data", "string", "Data contains the secret data."), Tables.AGE);

  /** A secret strategy. */
  public SecretStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    Nodes.defaultText(obj, "type", "Opaque");
    // stringData is write-only: its entries overwrite data, base64-encoded (as the apiserver's conversion).
    ObjectNode stringData = Nodes.object(obj, "stringData");
    if (stringData != null) {
      ObjectNode data = Nodes.ensureObject(obj, "data");
      stringData.fields().forEachRemaining(e -> {
        if (e.getValue().isTextual()) {
          data.put(e.getKey(), java.util.Base64.getEncoder().encodeToString(
              e.getValue().textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
      });
      obj.remove("stringData");
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    Set<String> keys = new HashSet<>();
    long size = ConfigMapStrategy.validateKeys(obj, "data", true, keys, errs);
    if (size > ConfigMapStrategy.MAX_SIZE) {
      errs.add(new FieldError("FieldValueTooLong", "data", "Too long: must have at most " + ConfigMapStrategy.MAX_SIZE + " bytes"));
    }
    Map<String, String> data = Nodes.stringMap(obj, "data");
    switch (Nodes.str(obj, "type")) {
      case "kubernetes.io/service-account-token" -> {
        String sa = Nodes.stringMap(Nodes.object(obj, "metadata"), "annotations").get("kubernetes.io/service-account.name");
        if (sa == null || sa.isEmpty()) {
          errs.add(FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
        }
      }
      case "kubernetes.io/dockercfg" -> requireKey(data, ".dockercfg", errs);
      case "kubernetes.io/dockerconfigjson" -> requireKey(data, ".dockerconfigjson", errs);
      case "kubernetes.io/basic-auth" -> {
        if (!data.containsKey("username") && !data.containsKey("password")) {
          errs.add(FieldError.required("data[username]", ""));
          errs.add(FieldError.required("data[password]", ""));
        }
      }
      case "kubernetes.io/ssh-auth" -> requireKey(data, "ssh-privatekey", errs);
      case "kubernetes.io/tls" -> {
        requireKey(data, "tls.key", errs);
        requireKey(data, "tls.crt", errs);
      }
      default -> { }
    }
  }

  private static void requireKey(Map<String, String> data, String key, List<FieldError> errs) {
    if (!data.containsKey(key)) {
      errs.add(FieldError.required("data[" + key + "]", ""));
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    String type = Nodes.str(obj, "type");
    String oldType = Nodes.str(old, "type");
    if (!oldType.isEmpty() && !type.equals(oldType)) {
      errs.add(FieldError.invalid("type", type, "field is immutable"));
    }
    ConfigMapStrategy.immutableData(obj, old, List.of("data"), errs);
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    fields.put("type", Nodes.str(obj, "type"));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), Nodes.str(obj, "type"), (long) Nodes.stringMap(obj, "data").size(),
        Tables.age(obj, now));
  }
}
