package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/** apps/v1 DaemonSet: RollingUpdate (maxUnavailable 1, maxSurge 0) by default, validation, Table. */
public class DaemonSetStrategy extends BaseStrategy {

  private static final List<String> STRATEGY_TYPES = List.of("OnDelete", "RollingUpdate");

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
      Tables.col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to "
          + "run the daemon pod."),
      Tables.col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have "
          + "one or more of the daemon pod running with a Ready Condition."),
      Tables.col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      Tables.col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or "
          + "more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
      Tables.col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node."),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."),
      Tables.wide("Selector", "string", "A label query over pods that are managed by the daemon set."));

  /** A daemon set strategy. */
  public DaemonSetStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    ObjectNode strategy = Nodes.ensureObject(spec, "updateStrategy");
    Nodes.defaultText(strategy, "type", "RollingUpdate");
    if ("RollingUpdate".equals(Nodes.text(strategy, "type"))) {
      ObjectNode ru = Nodes.ensureObject(strategy, "rollingUpdate");
      if (!Nodes.has(ru, "maxUnavailable")) {
        ru.put("maxUnavailable", 1);
      }
      if (!Nodes.has(ru, "maxSurge")) {
        ru.put("maxSurge", 0);
      }
    }
    Nodes.defaultInt(spec, "revisionHistoryLimit", 10);
    PodSpecs.defaultTemplate(Nodes.ensureObject(spec, "template"));
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    if (spec == null) {
      errs.add(FieldError.required("spec", ""));
      return;
    }
    Selectors.validateWorkloadSelector(spec, "daemonset", errs);
    PodSpecs.validateTemplate(spec.get("template"), "spec.template", errs);
    Workloads.restartAlways(spec, errs);
    Workloads.nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
    Workloads.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
    String type = Nodes.str(Nodes.object(spec, "updateStrategy"), "type");
    if (!STRATEGY_TYPES.contains(type)) {
      errs.add(FieldError.notSupported("spec.updateStrategy.type", type, STRATEGY_TYPES));
    }
    ObjectNode ru = Nodes.object(spec, "updateStrategy", "rollingUpdate");
    if (ru != null) {
      for (String f : List.of("maxUnavailable", "maxSurge")) {
        String problem = Workloads.intOrPercentProblem(ru.get(f));
        if (problem != null) {
          errs.add(FieldError.invalid("spec.updateStrategy.rollingUpdate." + f, Workloads.renderIntOrString(ru.get(f)), problem));
        }
      }
      if (Workloads.isZero(ru.get("maxUnavailable")) && Workloads.isZero(ru.get("maxSurge"))) {
        errs.add(FieldError.invalid("spec.updateStrategy.rollingUpdate.maxUnavailable",
            Workloads.renderIntOrString(ru.get("maxUnavailable")), "may not be 0 when `maxSurge` is 0"));
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
    return List.of(Nodes.name(obj), Tables.intOf(status, "desiredNumberScheduled"),
        Tables.intOf(status, "currentNumberScheduled"), Tables.intOf(status, "numberReady"),
        Tables.intOf(status, "updatedNumberScheduled"), Tables.intOf(status, "numberAvailable"),
        Tables.formatLabels(Nodes.stringMap(podSpec, "nodeSelector")), Tables.age(obj, now),
        Tables.containerNames(podSpec), Tables.containerImages(podSpec),
        Tables.formatLabelSelector(spec == null ? null : spec.get("selector")));
  }
}
