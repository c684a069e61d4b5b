package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/**
 * apps/v1 StatefulSet: defaults (OrderedReady, RollingUpdate partition 0, PVC retention Retain),
 * validation including the fields an update may change, and Table.
 */
public class StatefulSetStrategy extends BaseStrategy {

  private static final List<String> POLICIES = List.of("OrderedReady", "Parallel");
  private static final List<String> STRATEGY_TYPES = List.of("OnDelete", "RollingUpdate");
  private static final List<String> MUTABLE = List.of("replicas", "ordinals", "template", "updateStrategy",
      "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "revisionHistoryLimit");

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Ready", "string", "Number of the pod with ready state"),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."));

  /** A stateful set strategy. */
  public StatefulSetStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    Nodes.defaultInt(spec, "replicas", 1);
    Nodes.defaultText(spec, "podManagementPolicy", "OrderedReady");
    ObjectNode strategy = Nodes.ensureObject(spec, "updateStrategy");
    Nodes.defaultText(strategy, "type", "RollingUpdate");
    if ("RollingUpdate".equals(Nodes.text(strategy, "type"))) {
      Nodes.defaultInt(Nodes.ensureObject(strategy, "rollingUpdate"), "partition", 0);
    }
    ObjectNode retention = Nodes.ensureObject(spec, "persistentVolumeClaimRetentionPolicy");
    Nodes.defaultText(retention, "whenDeleted", "Retain");
    Nodes.defaultText(retention, "whenScaled", "Retain");
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
    Workloads.nonNegative(spec, "replicas", "spec.replicas", errs);
    Workloads.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
    Selectors.validateWorkloadSelector(spec, "statefulset", errs);
    PodSpecs.validateTemplate(spec.get("template"), "spec.template", errs);
    Workloads.restartAlways(spec, errs);
    String policy = Nodes.str(spec, "podManagementPolicy");
    if (!POLICIES.contains(policy)) {
      errs.add(FieldError.notSupported("spec.podManagementPolicy", policy, POLICIES));
    }
    String type = Nodes.str(Nodes.object(spec, "updateStrategy"), "type");
    if (!STRATEGY_TYPES.contains(type)) {
      errs.add(FieldError.notSupported("spec.updateStrategy.type", type, STRATEGY_TYPES));
    }
    Workloads.nonNegative(Nodes.object(spec, "updateStrategy", "rollingUpdate"), "partition",
        "spec.updateStrategy.rollingUpdate.partition", errs);
    String svc = Nodes.text(spec, "serviceName");
    if (svc != null && !svc.isEmpty()) {
      for (String msg : Names.dns1123Label(svc)) {
        errs.add(FieldError.invalid("spec.serviceName", svc, msg));
      }
    }
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    ObjectNode now = Nodes.object(obj, "spec");
    ObjectNode was = Nodes.object(old, "spec");
    if (now == null || was == null) {
      return;
    }
    ObjectNode a = now.deepCopy();
    ObjectNode b = was.deepCopy();
    a.remove(MUTABLE);
    b.remove(MUTABLE);
    if (!Nodes.equal(a, b)) {
      errs.add(FieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
          + "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode podSpec = Nodes.object(spec, "template", "spec");
    return List.of(Nodes.name(obj),
        Workloads.ratio(Tables.intOf(Nodes.object(obj, "status"), "readyReplicas"), Tables.intOf(spec, "replicas")),
        Tables.age(obj, now), Tables.containerNames(podSpec), Tables.containerImages(podSpec));
  }
}
