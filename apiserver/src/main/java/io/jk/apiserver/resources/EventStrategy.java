package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.HumanDuration;
import io.jk.apiserver.resources.support.MicroTime;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Events in both APIs: core/v1 Event and events.k8s.io/v1 Event (the same objects, with
 * {@code regarding}/{@code note}/{@code reportingController}/{@code deprecated*} names in the
 * latter). Field selectors and the Table use the core names for both, as Kubernetes does.
 */
public class EventStrategy extends BaseStrategy {

  private static final List<String> TYPES = List.of("Normal", "Warning");
  /** Longest {@code note} of an events.k8s.io Event. */
  public static final int NOTE_MAX = 1024;

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
      Tables.col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
      Tables.col("Reason", "string", "This should be a short, machine understandable string that gives the reason for "
          + "the transition into the object's current status."),
      Tables.col("Object", "string", "The object that this event is about."),
      Tables.wide("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string "
          + "should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]."),
      Tables.wide("Source", "string", "The component reporting this event. Should be a short machine understandable "
          + "string."),
      Tables.col("Message", "string", "A human-readable description of the status of this operation."),
      Tables.wide("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is "
          + "in TypeMeta.)"),
      Tables.wide("Count", "string", "The number of times this event has occurred."),
      new TableColumn("Name", "string", "name", Tables.NAME.description(), 1));

  private final boolean eventsApi;

  /**
   * @param eventsApi true for events.k8s.io/v1 (field names of that API), false for core/v1
   */
  public EventStrategy(boolean eventsApi) {
    super(Names.Rule.DNS1123_SUBDOMAIN, false, false);
    this.eventsApi = eventsApi;
  }

  private ObjectNode involved(ObjectNode obj) {
    return Nodes.object(obj, eventsApi ? "regarding" : "involvedObject");
  }

  private String reportingController(ObjectNode obj) {
    return Nodes.str(obj, eventsApi ? "reportingController" : "reportingComponent");
  }

  /** eventTime and series.lastObservedTime are MicroTimes: six fraction digits, UTC. */
  @Override
  protected void defaults(ObjectNode obj) {
    MicroTime.normalizeField(obj, "eventTime");
    MicroTime.normalizeField(Nodes.object(obj, "series"), "lastObservedTime");
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    MicroTime.validate(obj, "eventTime", "eventTime", errs);
    MicroTime.validate(Nodes.object(obj, "series"), "lastObservedTime", "series.lastObservedTime", errs);
    String ns = Nodes.namespace(obj);
    String involvedField = eventsApi ? "regarding" : "involvedObject";
    String involvedNs = Nodes.str(involved(obj), "namespace");
    if (!involvedNs.isEmpty() && !ns.isEmpty() && !involvedNs.equals(ns)) {
      errs.add(FieldError.invalid(involvedField + ".namespace", involvedNs, "does not match event.namespace"));
    }
    String type = Nodes.str(obj, "type");
    if (eventsApi) {
      if (!TYPES.contains(type)) {
        errs.add(FieldError.notSupported("type", type, TYPES));
      }
      if (!Nodes.has(obj, "eventTime")) {
        errs.add(FieldError.required("eventTime", ""));
      }
      for (String f : List.of("reportingController", "reportingInstance", "action", "reason")) {
        if (Nodes.str(obj, f).isEmpty()) {
          errs.add(FieldError.required(f, ""));
        }
      }
      String rc = Nodes.str(obj, "reportingController");
      if (!rc.isEmpty()) {
        for (String msg : Names.qualifiedName(rc)) {
          errs.add(FieldError.invalid("reportingController", rc, msg));
        }
      }
      if (Nodes.str(obj, "note").length() > NOTE_MAX) {
        errs.add(new FieldError("FieldValueTooLong", "note", "Too long: must have at most " + NOTE_MAX + " bytes"));
      }
    } else if (!type.isEmpty() && !TYPES.contains(type)) {
      errs.add(FieldError.notSupported("type", type, TYPES));
    }
    for (String f : List.of("reportingComponent", "reportingInstance", "action", "reason")) {
      if (Nodes.str(obj, f).length() > 128) {
        errs.add(new FieldError("FieldValueTooLong", f, "Too long: must have at most 128 bytes"));
      }
    }
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    ObjectNode io = involved(obj);
    for (String f : List.of("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")) {
      fields.put("involvedObject." + f, Nodes.str(io, f));
    }
    fields.put("reason", Nodes.str(obj, "reason"));
    fields.put("reportingComponent", reportingController(obj));
    fields.put("source", Nodes.str(Nodes.object(obj, eventsApi ? "deprecatedSource" : "source"), "component"));
    fields.put("type", Nodes.str(obj, "type"));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode obj, Instant now) {
    String first = Nodes.text(obj, eventsApi ? "deprecatedFirstTimestamp" : "firstTimestamp");
    String last = Nodes.text(obj, eventsApi ? "deprecatedLastTimestamp" : "lastTimestamp");
    String firstSeen = first == null ? HumanDuration.since(Nodes.text(obj, "eventTime"), now) : HumanDuration.since(first, now);
    String lastSeen = last == null ? firstSeen : HumanDuration.since(last, now);
    long count = Nodes.integer(obj, eventsApi ? "deprecatedCount" : "count", 0);
    ObjectNode series = Nodes.object(obj, "series");
    if (series != null) {
      lastSeen = HumanDuration.since(Nodes.text(series, "lastObservedTime"), now);
      count = Nodes.integer(series, "count", 0);
    } else if (count == 0) {
      count = 1;
    }
    ObjectNode io = involved(obj);
    String kind = Nodes.str(io, "kind").toLowerCase(Locale.ROOT);
    String target = Nodes.str(io, "name").isEmpty() ? kind : kind + "/" + Nodes.str(io, "name");
    ObjectNode source = Nodes.object(obj, eventsApi ? "deprecatedSource" : "source");
    String component = Nodes.str(source, "component");
    String host = Nodes.str(source, "host");
    if (component.isEmpty() && host.isEmpty()) {
      component = reportingController(obj);
      host = Nodes.str(obj, "reportingInstance");
    }
    String src = host.isEmpty() ? component : component + ", " + host;
    String message = Nodes.str(obj, eventsApi ? "note" : "message").trim();
    return List.of(lastSeen, Nodes.str(obj, "type"), Nodes.str(obj, "reason"), target, Nodes.str(io, "fieldPath"), src,
        message, firstSeen, count, Nodes.name(obj));
  }
}
