package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.HumanDuration;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Column definitions and cell formatting shared by the kinds' Tables (k8s {@code printers.go}). */
public final class Tables {

  /** The Name column every Table starts with. */
  public static final TableColumn NAME = new TableColumn("Name", "string", "name",
      "Name must be unique within a namespace. Is required when creating resources, although some resources may allow "
          + "a client to request the generation of an appropriate name automatically. Name is primarily intended for "
          + "creation idempotence and configuration definition. Cannot be updated. More info: "
          + "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0);

  /** The Created At column of the default Table. */
  public static final TableColumn CREATED_AT = new TableColumn("Created At", "date", "",
      "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
          + "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
          + "It is represented in RFC3339 form and is in UTC.", 0);

  /** The Age column. */
  public static final TableColumn AGE = col("Age", "string",
      "CreationTimestamp is a timestamp representing the server time when this object was created.");

  private Tables() {}

  /** A priority-0 column. */
  public static TableColumn col(String name, String type, String description) {
    return new TableColumn(name, type, "", description, 0);
  }

  /** A priority-1 column (shown by {@code -o wide}). */
  public static TableColumn wide(String name, String type, String description) {
    return new TableColumn(name, type, "", description, 1);
  }

  /** The age of the object at {@code now}. */
  public static String age(JsonNode obj, Instant now) {
    return HumanDuration.since(Nodes.text(Nodes.object(obj, "metadata"), "creationTimestamp"), now);
  }

  /** The value of {@code s}, or {@code <none>} when empty. */
  public static String orNone(String s) {
    return s == null || s.isEmpty() ? "<none>" : s;
  }

  /** Container names of a pod spec, comma-joined. */
  public static String containerNames(JsonNode podSpec) {
    List<String> out = new ArrayList<>();
    for (ObjectNode c : Nodes.objects(podSpec, "containers")) {
      out.add(Nodes.str(c, "name"));
    }
    return String.join(",", out);
  }

  /** Container images of a pod spec, comma-joined. */
  public static String containerImages(JsonNode podSpec) {
    List<String> out = new ArrayList<>();
    for (ObjectNode c : Nodes.objects(podSpec, "containers")) {
      out.add(Nodes.str(c, "image"));
    }
    return String.join(",", out);
  }

  /** A label map as {@code labels.FormatLabels}: sorted {@code k=v,...}, or {@code <none>}. */
  public static String formatLabels(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return "<none>";
    }
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(e.getKey()).append('=').append(e.getValue());
    }
    return b.toString();
  }

  /** A label selector as {@code metav1.FormatLabelSelector}. */
  public static String formatLabelSelector(JsonNode selector) {
    if (selector == null || !selector.isObject()) {
      return "<none>";
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(Nodes.stringMap(selector, "matchLabels")).entrySet()) {
      parts.add(e.getKey() + "=" + e.getValue());
    }
    for (ObjectNode req : Nodes.objects(selector, "matchExpressions")) {
      if (req == null) {
        continue;
      }
      String key = Nodes.str(req, "key");
      List<String> values = new ArrayList<>(Nodes.strings(req, "values"));
      java.util.Collections.sort(values);
      switch (Nodes.str(req, "operator")) {
        case "In" -> parts.add(key + " in (" + String.join(",", values) + ")");
        case "NotIn" -> parts.add(key + " notin (" + String.join(",", values) + ")");
        case "Exists" -> parts.add(key);
        case "DoesNotExist" -> parts.add("!" + key);
        default -> parts.add(key + " " + Nodes.str(req, "operator") + " (" + String.join(",", values) + ")");
      }
    }
    // An empty selector selects everything; a missing one nothing: both print as <none>.
    return parts.isEmpty() ? "<none>" : String.join(",", parts);
  }

  /** A JSON integer field as a Java long (0 when missing), for integer cells. */
  public static long intOf(JsonNode parent, String field) {
    return Nodes.integer(parent, field, 0);
  }
}
