package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.TableColumn;
import io.jk.common.json.Json;
import java.time.Instant;
import java.util.List;

/** Server-side Tables ({@code meta.k8s.io/v1 Table}) as kubectl asks for with {@code Accept: ...;as=Table}. */
public final class Tables {

  private Tables() {}

  /** Whether the Accept header asks for a Table. */
  public static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  /**
   * A Table of {@code objects}.
   *
   * @param includeObject {@code None}, {@code Metadata} (default) or {@code Object}
   * @param withColumns whether to include {@code columnDefinitions} (left out after a watch's first event)
   */
  public static ObjectNode of(ResourceStrategy strategy, List<ObjectNode> objects, String includeObject,
      String resourceVersion, String continueToken, boolean withColumns) {
    ObjectNode t = Json.mapper().createObjectNode();
    t.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = t.putObject("metadata");
    if (resourceVersion != null) {
      meta.put("resourceVersion", resourceVersion);
    }
    if (continueToken != null) {
      meta.put("continue", continueToken);
    }
    if (withColumns) {
      ArrayNode cols = t.putArray("columnDefinitions");
      for (TableColumn c : strategy.tableColumns()) {
        cols.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
            .put("description", c.description()).put("priority", c.priority());
      }
    }
    ArrayNode rows = t.putArray("rows");
    Instant now = Instant.now();
    for (ObjectNode o : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Object cell : strategy.tableCells(o, now)) {
        cells.add(Json.mapper().valueToTree(cell));
      }
      String inc = includeObject == null || includeObject.isEmpty() ? "Metadata" : includeObject;
      if (inc.equals("Object")) {
        row.set("object", o);
      } else if (!inc.equals("None")) {
        ObjectNode pom = row.putObject("object");
        pom.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
        pom.set("metadata", o.path("metadata").deepCopy());
      }
    }
    return t;
  }
}
