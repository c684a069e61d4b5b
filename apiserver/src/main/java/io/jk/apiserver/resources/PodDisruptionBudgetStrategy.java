package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/** policy/v1 PodDisruptionBudget: minAvailable xor maxUnavailable, selector syntax, Table. */
public class PodDisruptionBudgetStrategy extends BaseStrategy {

  private static final List<String> EVICTION_POLICIES = List.of("AlwaysAllow", "IfHealthyBudget");

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Min Available", "string", "The minimum number of pods that must be available."),
      Tables.col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
      Tables.col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
      Tables.AGE);

  /** A pod disruption budget strategy. */
  public PodDisruptionBudgetStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      return;
    }
    if (Nodes.has(spec, "minAvailable") && Nodes.has(spec, "maxUnavailable")) {
      errs.add(FieldError.invalid("spec", new Selectors.Raw(spec.toString()),
          "minAvailable and maxUnavailable cannot be both set"));
    }
    for (String f : List.of("minAvailable", "maxUnavailable")) {
      JsonNode v = spec.get(f);
      String problem = Workloads.intOrPercentProblem(v);
      if (problem != null) {
        errs.add(FieldError.invalid("spec." + f, Workloads.renderIntOrString(v), problem));
      }
    }
    ObjectNode selector = Nodes.object(spec, "selector");
    if (selector != null) {
      Selectors.validateSelector(selector, "spec.selector", errs);
    }
    String policy = Nodes.text(spec, "unhealthyPodEvictionPolicy");
    if (policy != null && !EVICTION_POLICIES.contains(policy)) {
      errs.add(FieldError.notSupported("spec.unhealthyPodEvictionPolicy", policy, EVICTION_POLICIES));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    return List.of(Nodes.name(obj), intOrNa(spec, "minAvailable"), intOrNa(spec, "maxUnavailable"),
        Tables.intOf(Nodes.object(obj, "status"), "disruptionsAllowed"), Tables.age(obj, now));
  }

  private static String intOrNa(ObjectNode spec, String f) {
    JsonNode v = spec == null ? null : spec.get(f);
    return v == null || v.isNull() ? "N/A" : v.asText();
  }
}
