package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * apps/v1 ControllerRevision: an immutable snapshot ({@code data}, any JSON object) of a
 * DaemonSet's or StatefulSet's template with its {@code revision} number. As in Kubernetes,
 * {@code data} is required and immutable while {@code revision} (≥ 0, 0 when left out) may be
 * raised by the owning controller when an old template comes back. Table: NAME, CONTROLLER,
 * REVISION, AGE.
 */
public class ControllerRevisionStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Controller", "string", "Controller of the object"),
      Tables.col("Revision", "string", "Revision indicates the revision of the state represented by Data."),
      Tables.AGE);

  /** A controller revision strategy. */
  public ControllerRevisionStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    // revision is a Go int64 without omitempty: absent means 0.
    if (!Nodes.has(obj, "revision")) {
      obj.put("revision", 0L);
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    JsonNode data = obj.get("data");
    if (data == null || data.isNull()) {
      errs.add(FieldError.required("data", "data is mandatory"));
    }
    JsonNode revision = obj.get("revision");
    if (revision != null && !revision.isNull()) {
      if (!revision.isIntegralNumber() || !revision.canConvertToLong()) {
        errs.add(FieldError.invalid("revision", revision.toString(), "must be an integer"));
      } else if (revision.longValue() < 0) {
        errs.add(FieldError.invalid("revision", revision.longValue(), "must be greater than or equal to 0"));
      }
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    if (!Nodes.same(obj.get("data"), old.get("data"))) {
      JsonNode data = obj.get("data");
      errs.add(FieldError.invalid("data", data == null ? "null" : abbreviate(data.toString()), "field is immutable"));
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), controller(obj), Nodes.integer(obj, "revision", 0), Tables.age(obj, now));
  }

  /** {@code <kind>.<group>/<name>} of the controller owner in lower case, as kubectl prints it; {@code <none>}. */
  static String controller(ObjectNode obj) {
    for (ObjectNode ref : Nodes.objects(Nodes.object(obj, "metadata"), "ownerReferences")) {
      if (ref != null && Nodes.isTrue(ref, "controller")) {
        String apiVersion = Nodes.str(ref, "apiVersion");
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        String kind = Nodes.str(ref, "kind");
        if (kind.isEmpty()) {
          return Nodes.str(ref, "name");
        }
        String groupKind = group.isEmpty() ? kind : kind + "." + group;
        return groupKind.toLowerCase(Locale.ROOT) + "/" + Nodes.str(ref, "name");
      }
    }
    return "<none>";
  }
}
