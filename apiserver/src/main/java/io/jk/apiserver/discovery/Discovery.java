package io.jk.apiserver.discovery;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.common.json.Json;
import java.util.List;

/**
 * The discovery documents: {@code /version}, legacy {@code /api}, {@code /apis},
 * {@code /api/v1}, {@code /apis/<g>/<v>}, aggregated discovery v2 and the minimal
 * {@code /openapi/v3} that makes kubectl send {@code fieldValidation=Strict}.
 */
public final class Discovery {

  /** Content type of aggregated discovery v2 responses (kubectl checks it exactly). */
  public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  /** The group of the authentication API (TokenReview, SelfSubjectReview, the TokenRequest kind). */
  public static final String AUTHENTICATION_GROUP = "authentication.k8s.io";

  /**
   * Resources served by dedicated handlers rather than the generic REST handler: the
   * authentication API's create-only reviews.
   */
  private record Extra(String group, String resource, String singular, String kind, List<String> verbs,
      boolean namespaced) {
    Extra(String group, String resource, String singular, String kind, List<String> verbs) {
      this(group, resource, singular, kind, verbs, false);
    }
  }

  /** The group of the authorization API (access and rules reviews). */
  public static final String AUTHORIZATION_GROUP = "authorization.k8s.io";

  private static final List<Extra> EXTRAS = List.of(
      new Extra(AUTHENTICATION_GROUP, "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", List.of("create")),
      new Extra(AUTHENTICATION_GROUP, "tokenreviews", "tokenreview", "TokenReview", List.of("create")),
      new Extra(AUTHORIZATION_GROUP, "localsubjectaccessreviews", "localsubjectaccessreview",
          "LocalSubjectAccessReview", List.of("create"), true),
      new Extra(AUTHORIZATION_GROUP, "selfsubjectaccessreviews", "selfsubjectaccessreview",
          "SelfSubjectAccessReview", List.of("create")),
      new Extra(AUTHORIZATION_GROUP, "selfsubjectrulesreviews", "selfsubjectrulesreview",
          "SelfSubjectRulesReview", List.of("create")),
      new Extra(AUTHORIZATION_GROUP, "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview",
          List.of("create")));
  /** The {@code serviceaccounts/token} subresource (TokenRequest), served by its own handler. */
  private static final ResourceType.Subresource TOKEN =
      new ResourceType.Subresource("token", AUTHENTICATION_GROUP, "v1", "TokenRequest", List.of("create"));

  private final ResourceTypes types;

  public Discovery(ResourceTypes types) {
    this.types = types;
  }

  /** Whether the Accept header asks for aggregated discovery v2 (not v2beta1). */
  public static boolean wantsAggregated(String accept) {
    if (accept == null) {
      return false;
    }
    for (String part : accept.split(",")) {
      String p = part.replace(" ", "");
      if (p.contains("g=apidiscovery.k8s.io") && p.contains("as=APIGroupDiscoveryList")
          && java.util.Arrays.asList(p.split(";")).contains("v=v2")) {
        return true;
      }
    }
    return false;
  }

  /** The {@code /version} document. */
  public ObjectNode version() {
    ObjectNode v = Json.mapper().createObjectNode();
    v.put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0").put("gitCommit", "jk")
        .put("gitTreeState", "clean").put("buildDate", "2024-12-11T00:00:00Z").put("goVersion", "go1.23.4")
        .put("compiler", "gc").put("platform", "linux/amd64");
    return v;
  }

  /** Legacy {@code /api}. */
  public ObjectNode apiVersions(String serverAddress) {
    ObjectNode v = Json.mapper().createObjectNode();
    v.put("kind", "APIVersions");
    v.putArray("versions").add("v1");
    v.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0")
        .put("serverAddress", serverAddress);
    return v;
  }

  /** Legacy {@code /apis}. */
  public ObjectNode apiGroupList() {
    ObjectNode l = Json.mapper().createObjectNode();
    l.put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = l.putArray("groups");
    for (String g : groups()) {
      groups.add(apiGroup(g));
    }
    return l;
  }

  /** Legacy {@code /apis/<group>}, or {@code null} when unknown. */
  public ObjectNode apiGroupDoc(String group) {
    if (!groups().contains(group)) {
      return null;
    }
    ObjectNode g = apiGroup(group);
    g.put("kind", "APIGroup").put("apiVersion", "v1");
    return g;
  }

  /** The named groups: the resource table's and the authentication API's. */
  private List<String> groups() {
    List<String> all = new java.util.ArrayList<>(types.groups());
    for (Extra e : EXTRAS) {
      if (!all.contains(e.group())) {
        all.add(e.group());
      }
    }
    return all;
  }

  /** The subresources of {@code t} as discovery shows them ({@code serviceaccounts/token} added). */
  private static java.util.Collection<ResourceType.Subresource> subresources(ResourceType t) {
    if (t.group().isEmpty() && t.resource().equals("serviceaccounts") && !t.subresources().containsKey("token")) {
      List<ResourceType.Subresource> all = new java.util.ArrayList<>(t.subresources().values());
      all.add(TOKEN);
      return all;
    }
    return t.subresources().values();
  }

  /** The versions of a named group, the preferred first ({@code v1} for groups served only by handlers). */
  private List<String> versions(String g) {
    List<String> v = types.versions(g);
    return v.isEmpty() ? List.of("v1") : v;
  }

  private ObjectNode apiGroup(String g) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("name", g);
    ArrayNode versions = o.putArray("versions");
    for (String v : versions(g)) {
      versions.addObject().put("groupVersion", g + "/" + v).put("version", v);
    }
    String preferred = versions(g).get(0);
    o.putObject("preferredVersion").put("groupVersion", g + "/" + preferred).put("version", preferred);
    return o;
  }

  /** Legacy {@code APIResourceList} of one group/version, or {@code null} when unknown. */
  public ObjectNode resourceList(String group, String version) {
    List<ResourceType> list = types.ofGroupVersion(group, version);
    List<Extra> extras = EXTRAS.stream().filter(e -> e.group().equals(group) && version.equals("v1")).toList();
    if (list.isEmpty() && extras.isEmpty()) {
      return null;
    }
    ObjectNode l = Json.mapper().createObjectNode();
    l.put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode res = l.putArray("resources");
    for (ResourceType t : list) {
      ObjectNode r = res.addObject();
      r.put("name", t.resource()).put("singularName", t.singular()).put("namespaced", t.namespaced())
          .put("kind", t.kind());
      strings(r.putArray("verbs"), t.verbs());
      if (!t.shortNames().isEmpty()) {
        strings(r.putArray("shortNames"), t.shortNames());
      }
      if (!t.categories().isEmpty()) {
        strings(r.putArray("categories"), t.categories());
      }
      for (ResourceType.Subresource s : subresources(t)) {
        ObjectNode sr = res.addObject();
        sr.put("name", t.resource() + "/" + s.name()).put("singularName", "").put("namespaced", t.namespaced());
        if (!s.group().equals(group) || !s.version().equals(version)) {
          sr.put("group", s.group()).put("version", s.version());
        }
        sr.put("kind", s.kind());
        strings(sr.putArray("verbs"), s.verbs());
      }
    }
    for (Extra e : extras) {
      ObjectNode r = res.addObject();
      r.put("name", e.resource()).put("singularName", e.singular()).put("namespaced", e.namespaced())
          .put("kind", e.kind());
      strings(r.putArray("verbs"), e.verbs());
    }
    return l;
  }

  /** Aggregated discovery of the core group ({@code /api}) or of all named groups ({@code /apis}). */
  public ObjectNode aggregated(boolean core) {
    ObjectNode l = Json.mapper().createObjectNode();
    l.put("kind", "APIGroupDiscoveryList").put("apiVersion", "apidiscovery.k8s.io/v2").putObject("metadata");
    ArrayNode items = l.putArray("items");
    List<String> groups = core ? List.of("") : groups();
    for (String g : groups) {
      ObjectNode item = items.addObject();
      ObjectNode meta = item.putObject("metadata");
      if (!g.isEmpty()) {
        meta.put("name", g);
      }
      ArrayNode versions = item.putArray("versions");
      for (String version : g.isEmpty() ? List.of("v1") : versions(g)) {
        ObjectNode ver = versions.addObject();
        ver.put("version", version).put("freshness", "Current");
        ArrayNode res = ver.putArray("resources");
        for (ResourceType t : types.ofGroupVersion(g, version)) {
          ObjectNode r = res.addObject();
          r.put("resource", t.resource());
          r.putObject("responseKind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
          r.put("scope", t.namespaced() ? "Namespaced" : "Cluster").put("singularResource", t.singular());
          strings(r.putArray("verbs"), t.verbs());
          if (!t.shortNames().isEmpty()) {
            strings(r.putArray("shortNames"), t.shortNames());
          }
          if (!t.categories().isEmpty()) {
            strings(r.putArray("categories"), t.categories());
          }
          if (!subresources(t).isEmpty()) {
            ArrayNode subs = r.putArray("subresources");
            for (ResourceType.Subresource s : subresources(t)) {
              ObjectNode so = subs.addObject();
              so.put("subresource", s.name());
              so.putObject("responseKind").put("group", s.group()).put("version", s.version()).put("kind", s.kind());
              strings(so.putArray("verbs"), s.verbs());
            }
          }
        }
        for (Extra e : EXTRAS) {
          if (e.group().equals(g) && version.equals("v1")) {
            ObjectNode r = res.addObject();
            r.put("resource", e.resource());
            r.putObject("responseKind").put("group", e.group()).put("version", "v1").put("kind", e.kind());
            r.put("scope", e.namespaced() ? "Namespaced" : "Cluster").put("singularResource", e.singular());
            strings(r.putArray("verbs"), e.verbs());
          }
        }
      }
    }
    return l;
  }

  /** The {@code /openapi/v3} index. */
  public ObjectNode openApiIndex() {
    ObjectNode o = Json.mapper().createObjectNode();
    ObjectNode paths = o.putObject("paths");
    paths.putObject("api/v1").put("serverRelativeURL", "/openapi/v3/api/v1?hash=" + hash(""));
    for (String g : groups()) {
      for (String v : versions(g)) {
        paths.putObject("apis/" + g + "/" + v)
            .put("serverRelativeURL", "/openapi/v3/apis/" + g + "/" + v + "?hash=" + hash(g, v));
      }
    }
    return o;
  }

  private String hash(String group) {
    return hash(group, "v1");
  }

  private String hash(String group, String version) {
    return Integer.toHexString(openApi(group, version).toString().hashCode()).toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * The OpenAPI v3 document of one group/version: a {@code patch} operation per kind carrying
   * {@code x-kubernetes-group-version-kind} and a {@code fieldValidation} parameter, and no
   * schemas (so kubectl validates on the server and uses its built-in patch metadata).
   */
  public ObjectNode openApi(String group, String version) {
    List<ResourceType> list = types.ofGroupVersion(group, version);
    List<Extra> extras = EXTRAS.stream().filter(e -> e.group().equals(group) && version.equals("v1")).toList();
    if (list.isEmpty() && extras.isEmpty()) {
      return null;
    }
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("openapi", "3.0.0");
    o.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
    o.putObject("components").putObject("schemas");
    ObjectNode paths = o.putObject("paths");
    for (ResourceType t : list) {
      String base = (group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version)
          + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.resource() + "/{name}";
      ObjectNode patch = paths.putObject(base).putObject("patch");
      patch.putObject("x-kubernetes-group-version-kind").put("group", group).put("version", version).put("kind", t.kind());
      patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
          .putObject("schema").put("type", "string");
    }
    for (Extra e : extras) {
      // create-only, but kubectl looks for the kind's fieldValidation parameter on a PATCH operation only
      // (without one it falls back to the OpenAPI v2 schemas jk does not serve)
      ObjectNode post = paths.putObject("/apis/" + group + "/" + version + "/" + e.resource()).putObject("patch");
      post.putObject("x-kubernetes-group-version-kind").put("group", group).put("version", version).put("kind", e.kind());
      post.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
          .putObject("schema").put("type", "string");
    }
    return o;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
