package io.jk.apiserver.resources.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.Iterator;
import java.util.Map;

/**
 * Converts one Event between its two API versions, field by field as Kubernetes' conversion
 * does: core/v1 {@code message}, {@code involvedObject}, {@code reportingComponent},
 * {@code source}, {@code firstTimestamp}, {@code lastTimestamp}, {@code count} are events.k8s.io/v1
 * {@code note}, {@code regarding}, {@code reportingController}, {@code deprecatedSource},
 * {@code deprecatedFirstTimestamp}, {@code deprecatedLastTimestamp}, {@code deprecatedCount}; the
 * other fields ({@code metadata}, {@code eventTime}, {@code series}, {@code action},
 * {@code reason}, {@code related}, {@code reportingInstance}, {@code type}) have the same names.
 */
public final class EventConversion {

  /** core/v1 name → events.k8s.io/v1 name. */
  private static final Map<String, String> CORE_TO_EVENTS = Map.of(
      "message", "note",
      "involvedObject", "regarding",
      "reportingComponent", "reportingController",
      "source", "deprecatedSource",
      "firstTimestamp", "deprecatedFirstTimestamp",
      "lastTimestamp", "deprecatedLastTimestamp",
      "count", "deprecatedCount");
  private static final Map<String, String> EVENTS_TO_CORE = Map.of(
      "note", "message",
      "regarding", "involvedObject",
      "reportingController", "reportingComponent",
      "deprecatedSource", "source",
      "deprecatedFirstTimestamp", "firstTimestamp",
      "deprecatedLastTimestamp", "lastTimestamp",
      "deprecatedCount", "count");

  private EventConversion() {}

  /** {@code event} (events.k8s.io/v1) as a core/v1 Event; a new object. */
  public static ObjectNode toCore(ObjectNode event) {
    return rename(event, EVENTS_TO_CORE, "v1");
  }

  /** {@code event} (core/v1) as an events.k8s.io/v1 Event; a new object. */
  public static ObjectNode toEventsV1(ObjectNode event) {
    return rename(event, CORE_TO_EVENTS, "events.k8s.io/v1");
  }

  private static ObjectNode rename(ObjectNode in, Map<String, String> names, String apiVersion) {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("apiVersion", apiVersion).put("kind", "Event");
    for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals("apiVersion") || f.getKey().equals("kind")) {
        continue;
      }
      out.set(names.getOrDefault(f.getKey(), f.getKey()), f.getValue().deepCopy());
    }
    return out;
  }
}
