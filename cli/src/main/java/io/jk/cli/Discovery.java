package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server's resource types, from aggregated discovery ({@code /api} and {@code /apis} with
 * {@code as=APIGroupDiscoveryList}, two requests) or, when the server only speaks the legacy
 * form, {@code /api/v1} and each group's preferred version.
 */
public final class Discovery {

  private static final String AGGREGATED =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

  private final List<ResourceInfo> resources;

  private Discovery(List<ResourceInfo> resources) {
    this.resources = resources;
  }

  /** Every preferred-version resource type the server serves (subresources left out). */
  public List<ResourceInfo> all() {
    return resources;
  }

  /** Fetches discovery from the server. */
  public static Discovery load(ApiClient api) {
    List<ResourceInfo> out = new ArrayList<>();
    ApiClient.Response core = api.send("GET", "/api", null, null, AGGREGATED).check();
    if (core.contentType().contains("as=APIGroupDiscoveryList")) {
      parseAggregated(core.json(), out);
      parseAggregated(api.send("GET", "/apis", null, null, AGGREGATED).check().json(), out);
    } else {
      parseLegacy(api.get("/api/v1"), "", "v1", out);
      for (JsonNode g : api.get("/apis").path("groups")) {
        String gv = g.path("preferredVersion").path("groupVersion").asText();
        if (!gv.isEmpty()) {
          parseLegacy(api.get("/apis/" + gv), g.path("name").asText(), gv.substring(gv.indexOf('/') + 1), out);
        }
      }
    }
    return new Discovery(out);
  }

  private static void parseAggregated(JsonNode list, List<ResourceInfo> out) {
    for (JsonNode g : list.path("items")) {
      String group = g.path("metadata").path("name").asText("");
      for (JsonNode v : g.path("versions")) {
        if ("Stale".equals(v.path("freshness").asText())) {
          continue;
        }
        for (JsonNode r : v.path("resources")) {
          JsonNode kind = r.path("responseKind");
          if (kind.isMissingNode()) {
            continue;
          }
          out.add(new ResourceInfo(group, v.path("version").asText(), r.path("resource").asText(),
              r.path("singularResource").asText(""), kind.path("kind").asText(),
              "Namespaced".equals(r.path("scope").asText()), strings(r.path("shortNames")),
              strings(r.path("categories")), strings(r.path("verbs"))));
        }
        break; // the first non-stale version is the preferred one
      }
    }
  }

  private static void parseLegacy(JsonNode list, String group, String version, List<ResourceInfo> out) {
    for (JsonNode r : list.path("resources")) {
      String name = r.path("name").asText();
      if (name.contains("/")) {
        continue;
      }
      out.add(new ResourceInfo(group, version, name, r.path("singularName").asText(""), r.path("kind").asText(),
          r.path("namespaced").asBoolean(), strings(r.path("shortNames")), strings(r.path("categories")),
          strings(r.path("verbs"))));
    }
  }

  private static List<String> strings(JsonNode a) {
    List<String> l = new ArrayList<>();
    a.forEach(n -> l.add(n.asText()));
    return l;
  }

  /**
   * The type a user names: plural, singular, short name or kind, optionally qualified by group
   * ({@code deployments.apps}, {@code deploy}, {@code Deployment}). Core types win a tie, as in kubectl.
   */
  public ResourceInfo resolve(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    String group = null;
    int dot = n.indexOf('.');
    if (dot > 0) {
      group = n.substring(dot + 1);
      n = n.substring(0, dot);
    }
    for (ResourceInfo r : resources) {
      if (group != null && !r.group().equals(group) && !group.startsWith(r.version() + "." + r.group())) {
        continue;
      }
      if (r.resource().equals(n) || r.singular().equals(n) || r.kind().toLowerCase(Locale.ROOT).equals(n)
          || r.shortNames().contains(n)) {
        return r;
      }
    }
    throw new CliException("the server doesn't have a resource type \"" + name + "\"");
  }

  /** The type of an object given its {@code apiVersion} and {@code kind}. */
  public ResourceInfo forKind(String apiVersion, String kind) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    for (ResourceInfo r : resources) {
      if (r.group().equals(group) && r.kind().equals(kind)) {
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return r.version().equals(version) ? r : new ResourceInfo(r.group(), version, r.resource(), r.singular(),
            r.kind(), r.namespaced(), r.shortNames(), r.categories(), r.verbs());
      }
    }
    throw new CliException("no matches for kind \"" + kind + "\" in version \"" + apiVersion + "\"");
  }

  /** The types of a category such as {@code all}, in discovery order. */
  public List<ResourceInfo> category(String category) {
    Map<String, ResourceInfo> byName = new LinkedHashMap<>();
    for (ResourceInfo r : resources) {
      if (r.categories().contains(category)) {
        byName.putIfAbsent(r.qualifiedResource(), r);
      }
    }
    return new ArrayList<>(byName.values());
  }
}
