package io.jk.apiserver.rest;

import io.jk.apiserver.http.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Label and field selectors as Kubernetes parses them: comma means AND; labels support
 * {@code k}, {@code !k}, {@code k=v}, {@code k==v}, {@code k!=v}, {@code k in (a,b)},
 * {@code k notin (a,b)}; fields support {@code =}, {@code ==} and {@code !=}.
 */
public final class Selectors {

  private Selectors() {}

  /** A predicate over an object's labels; an empty or null selector matches everything. */
  public static Predicate<Map<String, String>> labels(String selector) {
    if (selector == null || selector.isBlank()) {
      return m -> true;
    }
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    for (String term : splitTerms(selector)) {
      terms.add(labelTerm(term.trim(), selector));
    }
    return m -> terms.stream().allMatch(t -> t.test(m));
  }

  /** A predicate over an object's selectable fields; an empty or null selector matches everything. */
  public static Predicate<Map<String, String>> fields(String selector) {
    if (selector == null || selector.isBlank()) {
      return m -> true;
    }
    List<Predicate<Map<String, String>>> terms = new ArrayList<>();
    for (String term : selector.split(",")) {
      String t = term.trim();
      int ne = t.indexOf("!=");
      int eq = t.indexOf('=');
      if (ne > 0) {
        String k = t.substring(0, ne).trim();
        String v = t.substring(ne + 2).trim();
        terms.add(m -> !v.equals(m.getOrDefault(k, "")));
        terms.add(knownField(k));
      } else if (eq > 0) {
        String k = t.substring(0, eq).trim();
        String v = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
        terms.add(m -> v.equals(m.getOrDefault(k, "")));
        terms.add(knownField(k));
      } else {
        throw ApiException.badRequest("invalid field selector: \"" + selector + "\": invalid selector: '" + t
            + "'; can't understand '" + t + "'");
      }
    }
    return m -> terms.stream().allMatch(t -> t.test(m));
  }

  /** The value a field selector requires for {@code field} with {@code =}, or {@code null}. */
  public static String exactField(String selector, String field) {
    if (selector == null) {
      return null;
    }
    for (String term : selector.split(",")) {
      String t = term.trim();
      if (t.contains("!=")) {
        continue;
      }
      int eq = t.indexOf('=');
      if (eq > 0 && t.substring(0, eq).trim().equals(field)) {
        return t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
      }
    }
    return null;
  }

  // Unknown fields are reported when the predicate runs, as the selectable fields are per kind.
  private static Predicate<Map<String, String>> knownField(String k) {
    return m -> {
      if (!m.containsKey(k)) {
        throw ApiException.badRequest("field label not supported: " + k);
      }
      return true;
    };
  }

  private static List<String> splitTerms(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static Predicate<Map<String, String>> labelTerm(String t, String whole) {
    if (t.isEmpty()) {
      throw bad(whole);
    }
    java.util.regex.Matcher set = java.util.regex.Pattern
        .compile("^([A-Za-z0-9._/-]+)\\s+(in|notin)\\s*\\(([^)]*)\\)$").matcher(t);
    if (set.matches()) {
      String k = set.group(1);
      Set<String> vals = new java.util.HashSet<>();
      for (String v : set.group(3).split(",")) {
        vals.add(v.trim());
      }
      boolean in = set.group(2).equals("in");
      return in ? m -> m.containsKey(k) && vals.contains(m.get(k)) : m -> !m.containsKey(k) || !vals.contains(m.get(k));
    }
    if (t.startsWith("!")) {
      String k = t.substring(1).trim();
      checkKey(k, whole);
      return m -> !m.containsKey(k);
    }
    int ne = t.indexOf("!=");
    if (ne > 0) {
      String k = t.substring(0, ne).trim();
      String v = t.substring(ne + 2).trim();
      checkKey(k, whole);
      return m -> !v.equals(m.get(k));
    }
    int eq = t.indexOf('=');
    if (eq > 0) {
      String k = t.substring(0, eq).trim();
      String v = t.substring(t.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
      checkKey(k, whole);
      return m -> v.equals(m.get(k));
    }
    checkKey(t, whole);
    return m -> m.containsKey(t);
  }

  private static void checkKey(String k, String whole) {
    if (!k.matches("[A-Za-z0-9._/-]+")) {
      throw bad(whole);
    }
  }

  private static ApiException bad(String s) {
    return ApiException.badRequest("unable to parse requirement: invalid label selector: \"" + s + "\"");
  }
}
