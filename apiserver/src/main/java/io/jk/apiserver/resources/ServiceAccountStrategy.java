package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;

/** core/v1 ServiceAccount: metadata rules and Table (SECRETS). */
public class ServiceAccountStrategy extends BaseStrategy {

  private static final List<TableColumn> COLUMNS = List.of(Tables.NAME,
      Tables.col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using "
          + "this ServiceAccount are allowed to use."), Tables.AGE);

  /** A service account strategy. */
  public ServiceAccountStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    return List.of(Nodes.name(obj), (long) Nodes.size(obj, "secrets"), Tables.age(obj, now));
  }
}
