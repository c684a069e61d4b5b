package io.jk.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Object output as kubectl prints it: {@code -o yaml|json|name|jsonpath=|custom-columns=}. */
public final class Printing {

  private Printing() {}

  /** Whether {@code -o} asks for a Table (empty or {@code wide}). */
  public static boolean isTable(String output) {
    return output == null || output.isEmpty() || output.equals("wide");
  }

  /** Checks {@code -o} before any request is made. */
  public static void validate(String output) {
    if (isTable(output) || output.equals("yaml") || output.equals("json") || output.equals("name")
        || output.startsWith("jsonpath=") || output.startsWith("jsonpath-as-json=")
        || output.startsWith("custom-columns=")) {
      return;
    }
    throw new CliException("unable to match a printer suitable for the output format \"" + output
        + "\", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml");
  }

  /** A copy with object keys sorted, as Go's map encoding gives them. */
  public static JsonNode sorted(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = Json.mapper().createObjectNode();
      Map<String, JsonNode> m = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.put(e.getKey(), e.getValue());
      }
      m.forEach((k, v) -> o.set(k, sorted(v)));
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = Json.mapper().createArrayNode();
      n.forEach(c -> a.add(sorted(c)));
      return a;
    }
    return n;
  }

  /** JSON with four-space indentation, like kubectl's. */
  public static String json(JsonNode n) {
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withObjectIndenter(new DefaultIndenter("    ", "\n"))
        .withArrayIndenter(new DefaultIndenter("    ", "\n"));
    try {
      return Json.mapper().writer(pp).writeValueAsString(sorted(n)) + "\n";
    } catch (IOException e) {
      throw new CliException("cannot print JSON: " + e.getMessage());
    }
  }

  /** YAML with sorted keys. */
  public static String yaml(JsonNode n) {
    try {
      return Json.yamlMapper().writer()
          .with(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          .writeValueAsString(sorted(n));
    } catch (IOException e) {
      throw new CliException("cannot print YAML: " + e.getMessage());
    }
  }

  /** A kubectl {@code List} of {@code items}. */
  public static ObjectNode list(List<JsonNode> items) {
    ObjectNode l = Json.mapper().createObjectNode();
    l.put("apiVersion", "v1");
    ArrayNode a = l.putArray("items");
    items.forEach(a::add);
    l.put("kind", "List");
    l.putObject("metadata").put("resourceVersion", "");
    return l;
  }

  /**
   * Prints objects in a non-table format.
   *
   * @param single whether one object was asked for by name (printed bare, not as a List)
   */
  public static String objects(String output, List<JsonNode> items, boolean single, Map<JsonNode, ResourceInfo> types) {
    JsonNode doc = single && items.size() == 1 ? items.get(0) : list(items);
    if (output.equals("yaml")) {
      return yaml(doc);
    }
    if (output.equals("json")) {
      return json(doc);
    }
    if (output.equals("name")) {
      StringBuilder b = new StringBuilder();
      for (JsonNode i : items) {
        ResourceInfo r = types.get(i);
        b.append(r == null ? i.path("kind").asText().toLowerCase(java.util.Locale.ROOT) : r.kindPrefix()).append('/')
            .append(i.path("metadata").path("name").asText()).append('\n');
      }
      return b.toString();
    }
    if (output.startsWith("jsonpath=")) {
      return JsonPath.render(stripQuotes(output.substring(9)), doc);
    }
    if (output.startsWith("jsonpath-as-json=")) {
      ArrayNode a = Json.mapper().createArrayNode();
      JsonPath.select(stripBraces(stripQuotes(output.substring(17))), doc).forEach(a::add);
      return json(a);
    }
    if (output.startsWith("custom-columns=")) {
      return customColumns(output.substring(15), items);
    }
    throw new CliException("unknown output format " + output);
  }

  private static String stripQuotes(String s) {
    if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }

  private static String stripBraces(String s) {
    return s.startsWith("{") && s.endsWith("}") ? s.substring(1, s.length() - 1) : s;
  }

  private static String customColumns(String spec, List<JsonNode> items) {
    List<String> headers = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (String col : spec.split(",")) {
      int colon = col.indexOf(':');
      if (colon <= 0) {
        throw new CliException("custom-columns format must be HEADER:JSONPATH[,HEADER:JSONPATH], got \"" + col + "\"");
      }
      headers.add(col.substring(0, colon));
      paths.add(stripBraces(col.substring(colon + 1)));
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(headers);
    for (JsonNode i : items) {
      List<String> row = new ArrayList<>();
      for (String p : paths) {
        List<String> v = new ArrayList<>();
        JsonPath.select(p, i).forEach(n -> v.add(JsonPath.text(n)));
        row.add(v.isEmpty() ? "<none>" : String.join(",", v));
      }
      rows.add(row);
    }
    return Tabular.format(rows);
  }
}
