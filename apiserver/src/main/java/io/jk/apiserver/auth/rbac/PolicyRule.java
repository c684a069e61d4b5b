package io.jk.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.RequestAttributes;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * One rule of a Role or ClusterRole ({@code rbac.authorization.k8s.io/v1 PolicyRule}), matched as
 * Kubernetes' RBAC authorizer matches it: {@code *} in any list matches everything; a resource
 * {@code pods/log} matches only that subresource, {@code *}{@code /scale} the {@code scale}
 * subresource of any resource; an empty {@code resourceNames} matches every name; a non-resource
 * URL ending in {@code *} matches every path it prefixes.
 *
 * @param verbs the verbs
 * @param apiGroups the API groups ({@code ""}: core)
 * @param resources the resources, optionally with {@code /subresource}
 * @param resourceNames the object names (empty: all)
 * @param nonResourceUrls the non-resource paths
 */
public record PolicyRule(List<String> verbs, List<String> apiGroups, List<String> resources,
    List<String> resourceNames, List<String> nonResourceUrls) {

  /** Immutable copies; nulls become empty lists. */
  public PolicyRule {
    verbs = copy(verbs);
    apiGroups = copy(apiGroups);
    resources = copy(resources);
    resourceNames = copy(resourceNames);
    nonResourceUrls = copy(nonResourceUrls);
  }

  /** A resource rule. */
  public static PolicyRule resources(List<String> verbs, List<String> apiGroups, List<String> resources) {
    return new PolicyRule(verbs, apiGroups, resources, List.of(), List.of());
  }

  /** A non-resource rule. */
  public static PolicyRule urls(List<String> verbs, List<String> urls) {
    return new PolicyRule(verbs, List.of(), List.of(), List.of(), urls);
  }

  /** The rules of a role object's {@code rules} array (absent or malformed entries are skipped). */
  public static List<PolicyRule> listOf(JsonNode rules) {
    List<PolicyRule> out = new ArrayList<>();
    if (rules != null && rules.isArray()) {
      for (JsonNode r : rules) {
        if (r.isObject()) {
          out.add(new PolicyRule(strings(r.get("verbs")), strings(r.get("apiGroups")), strings(r.get("resources")),
              strings(r.get("resourceNames")), strings(r.get("nonResourceURLs"))));
        }
      }
    }
    return out;
  }

  /** This rule as JSON (empty lists left out, as Kubernetes writes it). */
  public ObjectNode toJson() {
    ObjectNode o = Json.mapper().createObjectNode();
    put(o, "verbs", verbs);
    put(o, "apiGroups", apiGroups);
    put(o, "resources", resources);
    put(o, "resourceNames", resourceNames);
    put(o, "nonResourceURLs", nonResourceUrls);
    if (!o.has("verbs")) {
      o.putArray("verbs");
    }
    return o;
  }

  /** Whether this rule allows the request {@code a}. */
  public boolean allows(RequestAttributes a) {
    if (!matchesVerb(a.verb())) {
      return false;
    }
    if (!a.resourceRequest()) {
      return matchesUrl(a.path());
    }
    return matchesGroup(a.apiGroup()) && matchesResource(a.resource(), a.subresource()) && matchesName(a.name());
  }

  boolean matchesVerb(String verb) {
    return verbs.contains("*") || verbs.contains(verb);
  }

  boolean matchesGroup(String group) {
    return apiGroups.contains("*") || apiGroups.contains(group);
  }

  boolean matchesResource(String resource, String subresource) {
    String combined = subresource.isEmpty() ? resource : resource + "/" + subresource;
    for (String r : resources) {
      if (r.equals("*") || r.equals(combined)) {
        return true;
      }
      if (!subresource.isEmpty() && r.equals("*/" + subresource)) {
        return true;
      }
    }
    return false;
  }

  boolean matchesName(String name) {
    return resourceNames.isEmpty() || resourceNames.contains(name);
  }

  boolean matchesUrl(String path) {
    for (String u : nonResourceUrls) {
      if (u.equals("*") || u.equals(path)
          || (u.endsWith("*") && path.startsWith(u.substring(0, u.length() - 1)))) {
        return true;
      }
    }
    return false;
  }

  /** Kubernetes' rendering of a rule in escalation errors: {@code {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}}. */
  public String describe() {
    StringBuilder b = new StringBuilder("{");
    List<String> parts = new ArrayList<>();
    if (!apiGroups.isEmpty()) {
      parts.add("APIGroups:" + quoted(apiGroups));
    }
    if (!resources.isEmpty()) {
      parts.add("Resources:" + quoted(resources));
    }
    if (!resourceNames.isEmpty()) {
      parts.add("ResourceNames:" + quoted(resourceNames));
    }
    if (!nonResourceUrls.isEmpty()) {
      parts.add("NonResourceURLs:" + quoted(nonResourceUrls));
    }
    parts.add("Verbs:" + quoted(verbs));
    b.append(String.join(", ", parts)).append('}');
    return b.toString();
  }

  private static String quoted(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      b.append(i == 0 ? "" : " ").append('"').append(values.get(i)).append('"');
    }
    return b.append(']').toString();
  }

  private static void put(ObjectNode o, String field, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode a = o.putArray(field);
      values.forEach(a::add);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      for (JsonNode v : array) {
        if (v.isTextual()) {
          out.add(v.asText());
        }
      }
    }
    return out;
  }

  private static List<String> copy(List<String> values) {
    return values == null ? List.of() : List.copyOf(values);
  }
}
