package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** apps/v1 ReplicaSet: 1 replica by default, selector rules, {@code status.replicas} field selector, Table. */
public class ReplicaSetStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Desired", "integer", "Replicas is the number of desired pods."),
      Tables.col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      Tables.col("Ready", "integer", "The number of ready replicas for this replica set."),
      Tables.AGE,
      Tables.wide("Containers", "string", "Names of each container in the template."),
      Tables.wide("Images", "string", "Images referenced by each container in the template."),
      Tables.wide("Selector", "string", "Selector is a label query over pods that should match the replica count."));

  /** A replica set strategy. */
  public ReplicaSetStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, true);
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    Nodes.defaultInt(spec, "replicas", 1);
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
    Selectors.validateWorkloadSelector(spec, "replicaset", errs);
    PodSpecs.validateTemplate(spec.get("template"), "spec.template", errs);
    Workloads.restartAlways(spec, errs);
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    Workloads.immutableSelector(obj, old, errs);
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    fields.put("status.replicas", Long.toString(Tables.intOf(Nodes.object(obj, "status"), "replicas")));
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
    return List.of(Nodes.name(obj), Tables.intOf(spec, "replicas"), Tables.intOf(status, "replicas"),
        Tables.intOf(status, "readyReplicas"), Tables.age(obj, now), Tables.containerNames(podSpec),
        Tables.containerImages(podSpec), Tables.formatLabelSelector(spec == null ? null : spec.get("selector")));
  }
}
