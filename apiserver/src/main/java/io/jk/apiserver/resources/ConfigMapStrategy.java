package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** core/v1 ConfigMap: config keys, 1 MiB total, {@code immutable}, Table (NAME, DATA, AGE). */
public class ConfigMapStrategy extends BaseStrategy {

  /** Largest total size of a ConfigMap's or Secret's data. */
  public static final int MAX_SIZE = 1024 * 1024;

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Data", "string", "Data contains the configuration data."), Tables.AGE);

  /** A config map strategy. */
  public ConfigMapStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    long size = 0;
    Set<String> keys = new HashSet<>();
    size += validateKeys(obj, "data", false, keys, errs);
    size += validateKeys(obj, "binaryData", true, keys, errs);
    if (size > MAX_SIZE) {
      errs.add(new FieldError("FieldValueTooLong", "", "Too long: must have at most " + MAX_SIZE + " bytes"));
    }
  }

  /** Validates the keys (and for binary maps the base64 values) of {@code field}; returns the data size. */
  static long validateKeys(ObjectNode obj, String field, boolean base64, Set<String> seen, List<FieldError> errs) {
    JsonNode m = obj.get(field);
    if (m == null || m.isNull()) {
      return 0;
    }
    if (!m.isObject()) {
      errs.add(FieldError.invalid(field, m.toString(), "must be a map of strings"));
      return 0;
    }
    long size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String p = field + "[" + key + "]";
      for (String msg : Names.configMapKey(key)) {
        errs.add(FieldError.invalid(p, key, msg));
      }
      if (!seen.add(key)) {
        errs.add(FieldError.invalid(p, key, "duplicate of key present in " + (field.equals("binaryData") ? "data" : "binaryData")));
      }
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      if (!v.isTextual()) {
        errs.add(FieldError.invalid(p, v.toString(), "must be a string"));
        continue;
      }
      if (base64) {
        try {
          size += Base64.getDecoder().decode(v.textValue()).length;
        } catch (IllegalArgumentException ex) {
          errs.add(FieldError.invalid(p, "<value omitted>", "illegal base64 data: " + ex.getMessage()));
        }
      } else {
        size += v.textValue().length();
      }
    }
    return size;
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    immutableData(obj, old, List.of("data", "binaryData"), errs);
  }

  /** Once {@code immutable: true}, data and the flag itself cannot change. */
  static void immutableData(ObjectNode obj, ObjectNode old, List<String> dataFields, List<FieldError> errs) {
    if (!Nodes.isTrue(old, "immutable")) {
      return;
    }
    if (!Nodes.isTrue(obj, "immutable")) {
      errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
    }
    for (String f : dataFields) {
      if (!Nodes.same(obj.get(f), old.get(f))) {
        errs.add(FieldError.forbidden(f, "field is immutable when `immutable` is set"));
      }
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    long n = Nodes.stringMap(obj, "data").size() + Nodes.stringMap(obj, "binaryData").size();
    return List.of(Nodes.name(obj), n, Tables.age(obj, now));
  }
}
