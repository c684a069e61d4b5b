package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.MicroTime;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/** coordination.k8s.io/v1 Lease: MicroTime times, duration and transitions validation, Table (HOLDER). */
public class LeaseStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."),
      Tables.AGE);

  /** A lease strategy. */
  public LeaseStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    ObjectNode spec = Nodes.object(obj, "spec");
    Long duration = Nodes.integer(spec, "leaseDurationSeconds");
    if (duration != null && duration <= 0) {
      errs.add(FieldError.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
    }
    Long transitions = Nodes.integer(spec, "leaseTransitions");
    if (transitions != null && transitions < 0) {
      errs.add(FieldError.invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
    }
    for (String f : List.of("acquireTime", "renewTime")) {
      MicroTime.validate(spec, f, "spec." + f, errs);
    }
  }

  /** acquireTime and renewTime are MicroTimes: six fraction digits, UTC, whatever the client sent. */
  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.object(obj, "spec");
    MicroTime.normalizeField(spec, "acquireTime");
    MicroTime.normalizeField(spec, "renewTime");
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), Nodes.str(Nodes.object(obj, "spec"), "holderIdentity"), Tables.age(obj, now));
  }
}
