package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import io.jk.apiserver.resources.support.Quantity;
import java.util.List;

/**
 * core/v1 LimitRange: stored and served (limit types known, quantities parse); Table: Name,
 * Created At.
 *
 * <p><b>Not enforced:</b> jk has no LimitRanger admission yet: containers get no default
 * requests or limits from a LimitRange and are not refused for exceeding one.
 */
public class LimitRangeStrategy extends BaseStrategy {

  private static final List<String> TYPES = List.of("Pod", "Container", "PersistentVolumeClaim");
  private static final List<String> BOUNDS = List.of("max", "min", "default", "defaultRequest",
      "maxLimitRequestRatio");

  /** A limit range strategy. */
  public LimitRangeStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    List<ObjectNode> limits = Nodes.objects(Nodes.object(obj, "spec"), "limits");
    for (int i = 0; i < limits.size(); i++) {
      ObjectNode item = limits.get(i);
      String path = "spec.limits[" + i + "]";
      String type = Nodes.str(item, "type");
      if (type.isEmpty()) {
        errs.add(FieldError.required(path + ".type", ""));
      } else if (!TYPES.contains(type)) {
        errs.add(FieldError.notSupported(path + ".type", type, TYPES));
      }
      for (String bound : BOUNDS) {
        ObjectNode values = Nodes.object(item, bound);
        if (values != null) {
          values.fields().forEachRemaining(e -> {
            if (Quantity.parse(e.getValue()).isEmpty()) {
              errs.add(FieldError.invalid(path + "." + bound + "[" + e.getKey() + "]", e.getValue().asText(),
                  Quantity.FORMAT_ERROR));
            }
          });
        }
      }
    }
  }
}
