package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/** apps/v1 Deployment: defaults (1 replica, RollingUpdate 25%/25%, ...), validation and Table. */
public class DeploymentStrategy extends BaseStrategy {

  private static final List<String> STRATEGY_TYPES = List.of("Recreate", "RollingUpdate");

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Ready", "string", "Number of the pod with ready state"),
      Tables.col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the "
          + "desired template spec."),
      Tables.col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted "
          + "by this deployment."),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."),
      Tables.wide("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
          + "will be the ones affected by this deployment."));

  /** A deployment strategy. */
  public DeploymentStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected boolean specChanged(ObjectNode obj, ObjectNode old) {
    // Annotations are copied to the deployment's replica sets, so they bump the generation too.
    return super.specChanged(obj, old) || !Nodes.same(Nodes.object(obj, "metadata") == null ? null
        : obj.get("metadata").get("annotations"), Nodes.object(old, "metadata") == null ? null
        : old.get("metadata").get("annotations"));
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    Nodes.defaultInt(spec, "replicas", 1);
    ObjectNode strategy = Nodes.ensureObject(spec, "strategy");
    Nodes.defaultText(strategy, "type", "RollingUpdate");
    if ("RollingUpdate".equals(Nodes.text(strategy, "type"))) {
      ObjectNode ru = Nodes.ensureObject(strategy, "rollingUpdate");
      if (!Nodes.has(ru, "maxUnavailable")) {
        ru.put("maxUnavailable", "25%");
      }
      if (!Nodes.has(ru, "maxSurge")) {
        ru.put("maxSurge", "25%");
      }
    }
    Nodes.defaultInt(spec, "revisionHistoryLimit", 10);
    Nodes.defaultInt(spec, "progressDeadlineSeconds", 600);
    PodSpecs.defaultTemplate(Nodes.ensureObject(spec, "template"));
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    Workloads.nonNegative(spec, "replicas", "spec.replicas", errs);
    Selectors.validateWorkloadSelector(spec, "deployment", errs);
    PodSpecs.validateTemplate(spec.get("template"), "spec.template", errs);
    Workloads.restartAlways(spec, errs);
    ObjectNode strategy = Nodes.object(spec, "strategy");
    String type = Nodes.str(strategy, "type");
    if (!STRATEGY_TYPES.contains(type)) {
      errs.add(FieldError.notSupported("spec.strategy.type", type, STRATEGY_TYPES));
    } else if (type.equals("Recreate") && Nodes.has(strategy, "rollingUpdate")) {
      errs.add(FieldError.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
    }
    ObjectNode ru = Nodes.object(strategy, "rollingUpdate");
    if (ru != null) {
      JsonNode mu = ru.get("maxUnavailable");
      JsonNode ms = ru.get("maxSurge");
      for (String f : List.of("maxUnavailable", "maxSurge")) {
        String problem = Workloads.intOrPercentProblem(ru.get(f));
        if (problem != null) {
          errs.add(FieldError.invalid("spec.strategy.rollingUpdate." + f, Workloads.renderIntOrString(ru.get(f)), problem));
        }
      }
      if (Workloads.isZero(mu) && Workloads.isZero(ms)) {
        errs.add(FieldError.invalid("spec.strategy.rollingUpdate.maxUnavailable", Workloads.renderIntOrString(mu),
            "may not be 0 when `maxSurge` is 0"));
      }
    }
    Workloads.nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
    Workloads.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
    Long pds = Nodes.integer(spec, "progressDeadlineSeconds");
    if (pds != null) {
      if (pds < 0) {
        errs.add(FieldError.invalid("spec.progressDeadlineSeconds", pds, "must be greater than or equal to 0"));
      } else if (pds <= Nodes.integer(spec, "minReadySeconds", 0)) {
        errs.add(FieldError.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds"));
      }
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    Workloads.immutableSelector(obj, old, errs);
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode status = Nodes.object(obj, "status");
    ObjectNode podSpec = Nodes.object(spec, "template", "spec");
    return List.of(Nodes.name(obj),
        Workloads.ratio(Tables.intOf(status, "readyReplicas"), Tables.intOf(spec, "replicas")),
        Tables.intOf(status, "updatedReplicas"), Tables.intOf(status, "availableReplicas"), Tables.age(obj, now),
        Tables.containerNames(podSpec), Tables.containerImages(podSpec), Tables.formatLabelSelector(spec == null ? null : spec.get("selector")));
  }
}
