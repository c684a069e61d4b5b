package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * kubectl's JSONPath templates, the commonly used part: literal text, {@code {.a.b}},
 * {@code ['key']}, {@code [n]}, {@code [*]}, {@code ..name} (recursive descent),
 * {@code [?(@.a=="x")]} filters, {@code {range ...}...{end}} and quoted literals such as
 * {@code {"\n"}}. Several results of one expression are joined by a space, as kubectl does.
 */
public final class JsonPath {

  private JsonPath() {}

  /** Evaluates {@code template} against {@code root}. */
  public static String render(String template, JsonNode root) {
    StringBuilder out = new StringBuilder();
    List<String> parts = split(template);
    renderParts(parts, 0, parts.size(), root, out);
    return out.toString();
  }

  /** The values one expression (without braces, e.g. {@code .metadata.name}) selects. */
  public static List<JsonNode> select(String expr, JsonNode root) {
    List<JsonNode> current = new ArrayList<>(List.of(root));
    String e = expr.strip();
    if (e.startsWith("$")) {
      e = e.substring(1);
    }
    int i = 0;
    while (i < e.length()) {
      char c = e.charAt(i);
      if (c == '.' && i + 1 < e.length() && e.charAt(i + 1) == '.') {
        int end = nameEnd(e, i + 2);
        String name = e.substring(i + 2, end);
        List<JsonNode> next = new ArrayList<>();
        for (JsonNode n : current) {
          descend(n, name, next);
        }
        current = next;
        i = end;
      } else if (c == '.') {
        int end = nameEnd(e, i + 1);
        String name = e.substring(i + 1, end);
        if (!name.isEmpty()) {
          current = field(current, name);
        }
        i = end;
      } else if (c == '[') {
        int close = matching(e, i);
        String inside = e.substring(i + 1, close).strip();
        current = bracket(current, inside);
        i = close + 1;
      } else {
        int end = nameEnd(e, i);
        if (end == i) {
          throw new CliException("error parsing jsonpath " + expr + ": unexpected '" + c + "'");
        }
        current = field(current, e.substring(i, end));
        i = end;
      }
    }
    return current;
  }

  private static List<JsonNode> field(List<JsonNode> current, String name) {
    List<JsonNode> next = new ArrayList<>();
    for (JsonNode n : current) {
      if (n.isObject() && n.has(name)) {
        next.add(n.get(name));
      }
    }
    return next;
  }

  private static void descend(JsonNode n, String name, List<JsonNode> out) {
    if (n.isObject()) {
      if (n.has(name)) {
        out.add(n.get(name));
      }
      for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
        descend(it.next(), name, out);
      }
    } else if (n.isArray()) {
      n.forEach(c -> descend(c, name, out));
    }
  }

  private static List<JsonNode> bracket(List<JsonNode> current, String inside) {
    List<JsonNode> next = new ArrayList<>();
    if (inside.startsWith("'") || inside.startsWith("\"")) {
      return field(current, inside.substring(1, inside.length() - 1));
    }
    if (inside.startsWith("?(") && inside.endsWith(")")) {
      String cond = inside.substring(2, inside.length() - 1).strip();
      for (JsonNode n : current) {
        for (JsonNode item : n.isArray() ? n : List.of(n)) {
          if (matches(cond, item)) {
            next.add(item);
          }
        }
      }
      return next;
    }
    for (JsonNode n : current) {
      if (inside.equals("*")) {
        if (n.isArray()) {
          n.forEach(next::add);
        } else if (n.isObject()) {
          n.elements().forEachRemaining(next::add);
        }
      } else if (n.isArray()) {
        if (inside.contains(":")) {
          String[] p = inside.split(":", -1);
          int from = p[0].isBlank() ? 0 : index(p[0].strip(), n.size());
          int to = p[1].isBlank() ? n.size() : index(p[1].strip(), n.size());
          for (int k = Math.max(0, from); k < Math.min(n.size(), to); k++) {
            next.add(n.get(k));
          }
        } else {
          int k = index(inside, n.size());
          if (k >= 0 && k < n.size()) {
            next.add(n.get(k));
          } else {
            throw new CliException("array index out of bounds: index " + inside + ", length " + n.size());
          }
        }
      }
    }
    return next;
  }

  private static int index(String s, int size) {
    try {
      int k = Integer.parseInt(s);
      return k < 0 ? size + k : k;
    } catch (NumberFormatException e) {
      throw new CliException("error parsing jsonpath index \"" + s + "\"");
    }
  }

  private static boolean matches(String cond, JsonNode item) {
    for (String op : new String[] {"==", "!="}) {
      int at = cond.indexOf(op);
      if (at > 0) {
        String left = cond.substring(0, at).strip();
        String right = cond.substring(at + 2).strip();
        List<JsonNode> l = select(left.startsWith("@") ? left.substring(1) : left, item);
        String want = right.startsWith("'") || right.startsWith("\"") ? right.substring(1, right.length() - 1) : right;
        boolean eq = !l.isEmpty() && text(l.get(0)).equals(want);
        return op.equals("==") == eq;
      }
    }
    List<JsonNode> l = select(cond.startsWith("@") ? cond.substring(1) : cond, item);
    return !l.isEmpty();
  }

  private static int nameEnd(String e, int from) {
    int i = from;
    while (i < e.length() && e.charAt(i) != '.' && e.charAt(i) != '[') {
      i++;
    }
    return i;
  }

  private static int matching(String e, int open) {
    int depth = 0;
    char quote = 0;
    for (int i = open; i < e.length(); i++) {
      char c = e.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && --depth == 0) {
        return i;
      }
    }
    throw new CliException("error parsing jsonpath " + e + ": unclosed [");
  }

  /** How kubectl prints one value: strings bare, objects and arrays as JSON. */
  public static String text(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return "";
    }
    if (n.isValueNode()) {
      return n.asText();
    }
    return n.toString();
  }

  // Template: literal text and {...} actions.
  private static List<String> split(String t) {
    List<String> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    int i = 0;
    while (i < t.length()) {
      char c = t.charAt(i);
      if (c == '{') {
        int depth = 0;
        int j = i;
        char quote = 0;
        for (; j < t.length(); j++) {
          char d = t.charAt(j);
          if (quote != 0) {
            if (d == '\\') {
              j++;
            } else if (d == quote) {
              quote = 0;
            }
          } else if (d == '"' || d == '\'') {
            quote = d;
          } else if (d == '{') {
            depth++;
          } else if (d == '}' && --depth == 0) {
            break;
          }
        }
        if (j >= t.length()) {
          throw new CliException("error parsing jsonpath " + t + ": unclosed action");
        }
        if (lit.length() > 0) {
          parts.add("L" + lit);
          lit.setLength(0);
        }
        parts.add("A" + t.substring(i + 1, j).strip());
        i = j + 1;
      } else {
        lit.append(c);
        i++;
      }
    }
    if (lit.length() > 0) {
      parts.add("L" + lit);
    }
    return parts;
  }

  private static void renderParts(List<String> parts, int from, int to, JsonNode root, StringBuilder out) {
    for (int i = from; i < to; i++) {
      String p = parts.get(i);
      String body = p.substring(1);
      if (p.charAt(0) == 'L') {
        out.append(body);
      } else if (body.startsWith("range ")) {
        int end = findEnd(parts, i, to);
        for (JsonNode item : select(body.substring(6), root)) {
          for (JsonNode each : item.isArray() ? item : List.of(item)) {
            renderParts(parts, i + 1, end, each, out);
          }
        }
        i = end;
      } else if (body.equals("end")) {
        throw new CliException("error parsing jsonpath: {end} without {range}");
      } else if (body.startsWith("\"") || body.startsWith("'")) {
        out.append(unquote(body.substring(1, body.length() - 1)));
      } else {
        List<String> vals = new ArrayList<>();
        for (JsonNode n : select(body, root)) {
          vals.add(text(n));
        }
        out.append(String.join(" ", vals));
      }
    }
  }

  private static int findEnd(List<String> parts, int start, int to) {
    int depth = 0;
    for (int i = start; i < to; i++) {
      String p = parts.get(i);
      if (p.startsWith("Arange ")) {
        depth++;
      } else if (p.equals("Aend") && --depth == 0) {
        return i;
      }
    }
    throw new CliException("error parsing jsonpath: {range} without {end}");
  }

  private static String unquote(String s) {
    Map<Character, String> esc = Map.of('n', "\n", 't', "\t", 'r', "\r", '\\', "\\", '"', "\"", '\'', "'");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        b.append(esc.getOrDefault(s.charAt(++i), String.valueOf(s.charAt(i))));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
