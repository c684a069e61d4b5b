package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import io.jk.apiserver.resources.support.Quantity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * core/v1 ResourceQuota: stored and served (quantities in {@code spec.hard} must parse), with
 * kubectl's Table (Name, Age, Request, Limit as {@code used/hard}).
 *
 * <p><b>Not enforced:</b> jk has no quota admission or quota controller yet, so pods and other
 * objects are admitted whatever a quota says and {@code status.used} is never filled;
 * {@code status.hard} mirrors {@code spec.hard} so that {@code kubectl get quota} and
 * {@code describe} show the limits.
 */
public class ResourceQuotaStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME, Tables.AGE,
      Tables.col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
      Tables.col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."));
  private static final List<String> SCOPES = List.of("Terminating", "NotTerminating", "BestEffort", "NotBestEffort",
      "PriorityClass", "CrossNamespacePodAffinity");

  /** A resource quota strategy. */
  public ResourceQuotaStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, false);
  }

  @Override
  protected void onCreate(ObjectNode obj) {
    mirrorHard(obj);
  }

  @Override
  protected void onUpdate(ObjectNode obj, ObjectNode old) {
    mirrorHard(obj);
  }

  private static void mirrorHard(ObjectNode obj) {
    ObjectNode hard = Nodes.object(obj, "spec", "hard");
    if (hard != null) {
      Nodes.ensureObject(obj, "status").set("hard", hard.deepCopy());
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode hard = Nodes.object(obj, "spec", "hard");
    if (hard != null) {
      hard.fields().forEachRemaining(e -> {
        if (Quantity.parse(e.getValue()).isEmpty()) {
          errs.add(FieldError.invalid("spec.hard[" + e.getKey() + "]", e.getValue().asText(), Quantity.FORMAT_ERROR));
        } else if (Quantity.parse(e.getValue()).get().signum() < 0) {
          errs.add(FieldError.invalid("spec.hard[" + e.getKey() + "]", e.getValue().asText(),
              "must be greater than or equal to 0"));
        }
      });
    }
    for (String scope : Nodes.strings(Nodes.object(obj, "spec"), "scopes")) {
      if (!SCOPES.contains(scope)) {
        errs.add(FieldError.notSupported("spec.scopes", scope, SCOPES));
      }
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    Map<String, String> hard = new TreeMap<>(Nodes.stringMap(Nodes.object(obj, "status"), "hard"));
    JsonNode used = obj.path("status").path("used");
    List<String> requests = new ArrayList<>();
    List<String> limits = new ArrayList<>();
    hard.forEach((name, value) -> {
      String cell = name + ": " + used.path(name).asText("0") + "/" + value;
      (name.startsWith("limits") ? limits : requests).add(cell);
    });
    return List.of(Nodes.name(obj), Tables.age(obj, now), String.join(", ", requests), String.join(", ", limits));
  }
}
