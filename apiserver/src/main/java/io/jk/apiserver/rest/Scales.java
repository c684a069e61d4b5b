package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.Iterator;
import java.util.Map;

/** The {@code autoscaling/v1 Scale} view of a Deployment, ReplicaSet or StatefulSet. */
public final class Scales {

  private Scales() {}

  /** The Scale of {@code obj}: {@code spec.replicas}, {@code status.replicas} and the selector as a string. */
  public static ObjectNode toScale(ObjectNode obj) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode m = s.putObject("metadata");
    for (String f : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (obj.path("metadata").has(f)) {
        m.set(f, obj.path("metadata").get(f));
      }
    }
    s.putObject("spec").put("replicas", obj.path("spec").path("replicas").asInt(1));
    ObjectNode st = s.putObject("status");
    st.put("replicas", obj.path("status").path("replicas").asInt(0));
    String sel = selector(obj.path("spec").path("selector"));
    if (!sel.isEmpty()) {
      st.put("selector", sel);
    }
    return s;
  }

  /** A LabelSelector as its string form ({@code app=web,tier in (a,b)}). */
  static String selector(JsonNode sel) {
    StringBuilder b = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = sel.path("matchLabels").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      b.append(b.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue().asText());
    }
    for (JsonNode r : sel.path("matchExpressions")) {
      b.append(b.length() == 0 ? "" : ",");
      String k = r.path("key").asText();
      switch (r.path("operator").asText()) {
        case "In", "NotIn" -> {
          b.append(k).append(r.path("operator").asText().equals("In") ? " in (" : " notin (");
          int i = 0;
          for (JsonNode v : r.path("values")) {
            b.append(i++ == 0 ? "" : ",").append(v.asText());
          }
          b.append(')');
        }
        case "Exists" -> b.append(k);
        case "DoesNotExist" -> b.append('!').append(k);
        default -> { }
      }
    }
    return b.toString();
  }
}
