package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import io.jk.common.json.Json;

/**
 * The server's resource types, from aggregated discovery ({@code /api} and {@code /apis} with
 * {@code as=APIGroupDiscoveryList}, two requests) or, when the server only speaks the legacy
 * form, {@code /api/v1} and each group's preferred version.
 *
 * <p>Like kubectl, jkctl keeps what it learnt on disk ({@code CACHE_DIR/jkctl-discovery/HOST_PORT.json},
 * for {@link #TTL}), so that {@code jkctl get pods} is one request; a type the cached list does
 * not know makes it fetch discovery anew before giving up.
 */
public final class Discovery {

  /** How long a cached discovery answer is used (kubectl's disk cache keeps its own for 6 hours too). */
  public static final java.time.Duration TTL = java.time.Duration.ofHours(6);

  private static final String AGGREGATED =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

  private List<ResourceInfo> resources;
  private final ApiClient api;
  private final java.nio.file.Path cacheFile;
  private boolean fresh;

  private Discovery(List<ResourceInfo> resources, ApiClient api, java.nio.file.Path cacheFile, boolean fresh) {
    this.resources = resources;
    this.api = api;
    this.cacheFile = cacheFile;
    this.fresh = fresh;
  }

  /**
   * Discovery from {@code cacheFile} when it is younger than {@link #TTL}, else from the server
   * (then written to {@code cacheFile}). A null {@code cacheFile} means no disk cache.
   */
  public static Discovery load(ApiClient api, java.nio.file.Path cacheFile) {
    if (cacheFile != null) {
      List<ResourceInfo> cached = readCache(cacheFile);
      if (cached != null) {
        return new Discovery(cached, api, cacheFile, false);
      }
    }
    Discovery d = load(api);
    d.writeCache(cacheFile);
    return new Discovery(d.resources, api, cacheFile, true);
  }

  /** The cache file of a server URL below {@code cacheDir}, as kubectl names its own ({@code host_port}). */
  public static java.nio.file.Path cacheFile(java.nio.file.Path cacheDir, String server) {
    java.net.URI u = java.net.URI.create(server);
    String key = (u.getHost() == null ? "server" : u.getHost()) + "_" + (u.getPort() > 0 ? u.getPort() : 443)
        + (u.getPath() == null || u.getPath().isEmpty() ? "" : u.getPath());
    return cacheDir.resolve("jkctl-discovery").resolve(key.replaceAll("[^A-Za-z0-9._-]", "_") + ".json");
  }

  private static List<ResourceInfo> readCache(java.nio.file.Path file) {
    try {
      java.nio.file.attribute.FileTime t = java.nio.file.Files.getLastModifiedTime(file);
      if (t.toInstant().plus(TTL).isBefore(java.time.Instant.now())) {
        return null;
      }
      JsonNode a = Json.mapper().readTree(file.toFile());
      if (a == null || !a.isArray() || a.isEmpty()) {
        return null;
      }
      List<ResourceInfo> out = new ArrayList<>();
      for (JsonNode r : a) {
        out.add(new ResourceInfo(r.path("group").asText(), r.path("version").asText(), r.path("resource").asText(),
            r.path("singular").asText(), r.path("kind").asText(), r.path("namespaced").asBoolean(),
            strings(r.path("shortNames")), strings(r.path("categories")), strings(r.path("verbs"))));
      }
      return out;
    } catch (java.io.IOException | RuntimeException e) {
      return null; // no cache, an old one or a torn one: ask the server
    }
  }

  private void writeCache(java.nio.file.Path file) {
    if (file == null) {
      return;
    }
    try {
      java.nio.file.Files.createDirectories(file.getParent());
      io.jk.common.files.AtomicFiles.writeString(file, Json.mapper().writeValueAsString(resources), false);
    } catch (java.io.IOException | RuntimeException e) {
      // a cache that cannot be written costs the next command two requests, nothing more
    }
  }

  /** Fetches discovery again when it came from the disk cache; false when it was fresh already. */
  private boolean refresh() {
    if (fresh || api == null) {
      return false;
    }
    resources = load(api).resources;
    fresh = true;
    writeCache(cacheFile);
    return true;
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
    return new Discovery(out, api, null, true);
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
    ResourceInfo r = find(name);
    if (r == null && refresh()) {
      r = find(name);
    }
    if (r == null) {
      throw new CliException("the server doesn't have a resource type \"" + name + "\"");
    }
    return r;
  }

  private ResourceInfo find(String name) {
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
    return null;
  }

  /** The type of an object given its {@code apiVersion} and {@code kind}. */
  public ResourceInfo forKind(String apiVersion, String kind) {
    ResourceInfo r = findKind(apiVersion, kind);
    if (r == null && refresh()) {
      r = findKind(apiVersion, kind);
    }
    if (r == null) {
      throw new CliException("no matches for kind \"" + kind + "\" in version \"" + apiVersion + "\"");
    }
    return r;
  }

  private ResourceInfo findKind(String apiVersion, String kind) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    for (ResourceInfo r : resources) {
      if (r.group().equals(group) && r.kind().equals(kind)) {
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return r.version().equals(version) ? r : new ResourceInfo(r.group(), version, r.resource(), r.singular(),
            r.kind(), r.namespaced(), r.shortNames(), r.categories(), r.verbs());
      }
    }
    return null;
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
