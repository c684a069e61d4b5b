package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkctl get}: the server's Tables, or objects as YAML, JSON, names, JSONPath or custom columns. */
@Command(name = "get", description = "Display one or many resources.")
final class GetCommand extends Base {

  @Parameters(arity = "0..*", paramLabel = "TYPE[.VERSION][.GROUP] [NAME...]")
  List<String> args = new ArrayList<>();

  @Option(names = {"-o", "--output"}, description = "wide|yaml|json|name|jsonpath=...|custom-columns=...")
  String output = "";

  @Option(names = {"-l", "--selector"}, description = "Label selector, e.g. app=web,tier!=db.")
  String selector;

  @Option(names = "--field-selector", description = "Field selector, e.g. status.phase=Running.")
  String fieldSelector;

  @Option(names = {"-A", "--all-namespaces"}, description = "List across all namespaces.")
  boolean allNamespaces;

  @Option(names = "--show-labels", description = "Show labels as the last column.")
  boolean showLabels;

  @Option(names = {"-w", "--watch"}, description = "After listing, watch for changes.")
  boolean watch;

  @Option(names = "--show-managed-fields", description = "Keep metadata.managedFields in yaml/json output.")
  boolean showManagedFields;

  @Option(names = "--no-headers", description = "Leave out the header line.")
  boolean noHeaders;

  @Override
  void run() throws Exception {
    Printing.validate(output);
    Session s = session();
    List<Targets.Target> targets = Targets.parse(args, s.discovery());
    boolean prefix = Targets.multipleTypes(args, targets);
    if (!Printing.isTable(output)) {
      printObjects(s, targets);
      return;
    }
    boolean printedAny = false;
    List<ApiException> notFound = new ArrayList<>();
    for (Targets.Target t : targets) {
      List<JsonNode> tables = new ArrayList<>();
      if (t.names().isEmpty()) {
        tables.add(api().get(t.type().collectionPath(ns(t.type())) + query(false), ApiClient.TABLE));
      } else {
        for (String name : t.names()) {
          try {
            tables.add(api().get(t.type().objectPath(ns(t.type()), name), ApiClient.TABLE));
          } catch (ApiException e) {
            if (e.status() != 404) {
              throw e;
            }
            notFound.add(e);
          }
        }
      }
      List<List<String>> rows = new ArrayList<>();
      List<JsonNode> defs = new ArrayList<>();
      for (JsonNode table : tables) {
        if (defs.isEmpty()) {
          table.path("columnDefinitions").forEach(defs::add);
        }
        for (JsonNode row : table.path("rows")) {
          rows.add(row(row, defs, t.type(), prefix));
        }
      }
      if (rows.isEmpty() && watch && targets.size() == 1 && t.names().isEmpty()) {
        watchTable(t.type(), defs, tables.get(0).path("metadata").path("resourceVersion").asText(""), null, prefix);
        return;
      }
      if (rows.isEmpty()) {
        continue;
      }
      if (printedAny) {
        out().println();
      }
      printedAny = true;
      List<List<String>> all = new ArrayList<>();
      if (!noHeaders) {
        all.add(header(defs));
      }
      all.addAll(rows);
      int[] widths = Tabular.widths(all);
      all.forEach(r -> out().print(Tabular.line(r, widths)));
      out().flush();
      if (watch && targets.size() == 1 && t.names().size() <= 1) {
        String rv = tables.get(0).path("metadata").path("resourceVersion").asText("");
        watchTable(t.type(), defs, rv, widths, prefix);
      }
    }
    for (ApiException e : notFound) {
      err().println(e.userMessage());
    }
    if (!printedAny && notFound.isEmpty()) {
      noResources();
    }
    if (!notFound.isEmpty()) {
      throw CliException.silent();
    }
  }

  private void noResources() {
    if (allNamespaces) {
      err().println("No resources found");
    } else {
      err().println("No resources found in " + session().namespace() + " namespace.");
    }
  }

  private String ns(ResourceInfo r) {
    return allNamespaces || !r.namespaced() ? null : session().namespace();
  }

  private String query(boolean watchIt) {
    StringBuilder q = new StringBuilder();
    if (selector != null) {
      q.append("&labelSelector=").append(Paths.query(selector));
    }
    if (fieldSelector != null) {
      q.append("&fieldSelector=").append(Paths.query(fieldSelector));
    }
    if (watchIt) {
      q.append("&watch=1");
    }
    return q.length() == 0 ? "" : "?" + q.substring(1);
  }

  private boolean show(JsonNode def) {
    return def.path("priority").asInt(0) == 0 || output.equals("wide");
  }

  private List<String> header(List<JsonNode> defs) {
    List<String> h = new ArrayList<>();
    if (allNamespaces) {
      h.add("NAMESPACE");
    }
    for (JsonNode d : defs) {
      if (show(d)) {
        h.add(d.path("name").asText().toUpperCase(java.util.Locale.ROOT));
      }
    }
    if (showLabels) {
      h.add("LABELS");
    }
    return h;
  }

  private List<String> row(JsonNode row, List<JsonNode> defs, ResourceInfo type, boolean prefix) {
    List<String> cells = new ArrayList<>();
    JsonNode meta = row.path("object").path("metadata");
    if (allNamespaces) {
      cells.add(meta.path("namespace").asText(""));
    }
    JsonNode values = row.path("cells");
    for (int i = 0; i < defs.size(); i++) {
      if (!show(defs.get(i))) {
        continue;
      }
      JsonNode v = values.path(i);
      String text = v.isMissingNode() || v.isNull() ? "<none>" : v.isValueNode() ? v.asText() : v.toString();
      if (prefix && "name".equals(defs.get(i).path("format").asText())) {
        text = type.kindPrefix() + "/" + text;
      }
      cells.add(text);
    }
    if (showLabels) {
      cells.add(labels(meta.path("labels")));
    }
    return cells;
  }

  static String labels(JsonNode labels) {
    Map<String, String> m = new TreeMap<>();
    labels.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    if (m.isEmpty()) {
      return "<none>";
    }
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(",", parts);
  }

  private void watchTable(ResourceInfo type, List<JsonNode> defs, String rv, int[] widths, boolean prefix)
      throws Exception {
    String q = query(true) + (rv.isEmpty() ? "" : "&resourceVersion=" + Paths.query(rv));
    try (InputStream in = api().stream(type.collectionPath(ns(type)) + q, ApiClient.TABLE);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode ev = Json.mapper().readTree(line);
        String kind = ev.path("type").asText();
        if (kind.equals("BOOKMARK")) {
          continue;
        }
        if (kind.equals("ERROR")) {
          throw new ApiException(ev.path("object").path("code").asInt(500), ev.path("object"), line);
        }
        JsonNode obj = ev.path("object");
        if (widths == null && obj.path("kind").asText().equals("Table")) {
          if (defs.isEmpty()) {
            obj.path("columnDefinitions").forEach(defs::add);
          }
          List<List<String>> first = new ArrayList<>();
          first.add(header(defs));
          for (JsonNode row : obj.path("rows")) {
            first.add(row(row, defs, type, prefix));
          }
          widths = Tabular.widths(first);
          if (!noHeaders) {
            out().print(Tabular.line(first.get(0), widths));
          }
        }
        if (obj.path("kind").asText().equals("Table")) {
          for (JsonNode row : obj.path("rows")) {
            out().print(Tabular.line(row(row, defs, type, prefix), widths));
          }
        } else {
          out().println(type.kindPrefix() + "/" + obj.path("metadata").path("name").asText());
        }
        out().flush();
      }
    }
  }

  private void printObjects(Session s, List<Targets.Target> targets) {
    List<JsonNode> items = new ArrayList<>();
    Map<JsonNode, ResourceInfo> types = new IdentityHashMap<>();
    boolean single = targets.size() == 1 && targets.get(0).names().size() == 1 && !Targets.multipleTypes(args, targets);
    List<ApiException> notFound = new ArrayList<>();
    for (Targets.Target t : targets) {
      if (t.names().isEmpty()) {
        JsonNode list = api().get(t.type().collectionPath(ns(t.type())) + query(false));
        for (JsonNode i : list.path("items")) {
          ObjectNode o = withKind((ObjectNode) i, t.type());
          items.add(o);
          types.put(o, t.type());
        }
      } else {
        for (String name : t.names()) {
          try {
            ObjectNode o = withKind((ObjectNode) api().get(t.type().objectPath(ns(t.type()), name)), t.type());
            items.add(o);
            types.put(o, t.type());
          } catch (ApiException e) {
            if (e.status() != 404) {
              throw e;
            }
            notFound.add(e);
          }
        }
      }
    }
    if (!(single && items.isEmpty())) {
      if (items.isEmpty() && (output.equals("name") || output.startsWith("custom-columns="))) {
        if (notFound.isEmpty()) {
          noResources();
        }
      } else {
        out().print(Printing.objects(output, items, single, types));
      }
    }
    for (ApiException e : notFound) {
      err().println(e.userMessage());
    }
    if (!notFound.isEmpty()) {
      throw CliException.silent();
    }
  }

  private ObjectNode withKind(ObjectNode o, ResourceInfo r) {
    ObjectNode c = withKindStatic(o, r);
    if (!showManagedFields && c.path("metadata").isObject()) {
      ((ObjectNode) c.get("metadata")).remove("managedFields");
    }
    return c;
  }

  static ObjectNode withKindStatic(ObjectNode o, ResourceInfo r) {
    if (!o.hasNonNull("kind")) {
      ObjectNode c = Json.mapper().createObjectNode();
      c.put("apiVersion", r.apiVersion());
      c.put("kind", r.kind());
      c.setAll(o);
      return c;
    }
    return o;
  }
}
