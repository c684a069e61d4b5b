package io.jk.apiserver.rest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.jk.common.json.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Reading a REST request: its body parsed by content type (JSON, YAML without anchors, or
 * protobuf), the object checked against the kind of the path, and the {@code fieldManager},
 * {@code dryRun} and boolean query parameters.
 */
final class RequestBodies {

  private RequestBodies() {}

  static JsonNode body(RoutingContext ctx) {
    String ct = ctx.request().getHeader("Content-Type");
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw ApiException.badRequest("the request body is empty");
    }
    return parse(b, ct);
  }

  /** Parses a request body by its content type (JSON or YAML). */
  static JsonNode parse(Buffer b, String contentType) {
    String ct = contentType == null ? "application/json" : contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (ct.equals(io.jk.apiserver.protobuf.ProtobufBodies.MEDIA_TYPE)) {
      return io.jk.apiserver.protobuf.ProtobufBodies.decode(b.getBytes()); // the typed clientset's bodies (kubectl create ...)
    }
    boolean yaml = ct.equals("application/yaml") || ct.equals("application/apply-patch+yaml") || ct.equals("text/yaml")
        || ct.equals("application/x-yaml");
    boolean json = ct.equals("application/json") || ct.endsWith("patch+json") || ct.equals("*/*");
    if (!yaml && !json) {
      throw ApiException.unsupportedMediaType(contentType);
    }
    try {
      if (yaml) {
        rejectAliases(b.getBytes());
      }
      JsonNode n = (yaml ? Json.yamlMapper() : Json.mapper()).readTree(b.getBytes());
      if (n == null || n.isMissingNode()) {
        throw ApiException.badRequest("the request body is empty");
      }
      return n;
    } catch (JacksonException e) {
      throw ApiException.badRequest("the request body could not be decoded: " + firstLine(e.getOriginalMessage()));
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof ApiException a) {
        throw a;
      }
      throw ApiException.badRequest("the request body could not be decoded: " + firstLine(String.valueOf(e.getMessage())));
    }
  }

  /**
   * Refuses YAML anchors and aliases: the tree reader does not expand them (an alias would be
   * stored as its name) and expanding them is how "billion laughs" bodies blow up.
   */
  private static void rejectAliases(byte[] yaml) throws java.io.IOException {
    try (com.fasterxml.jackson.core.JsonParser p = Json.yamlMapper().getFactory().createParser(yaml)) {
      while (p.nextToken() != null) {
        if (p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser y && (y.isCurrentAlias() || y.getObjectId() != null)) {
          throw ApiException.badRequest("the request body could not be decoded: YAML anchors and aliases are not supported");
        }
      }
    }
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }

  static ObjectNode objectBody(JsonNode body, ResourceType type, String kind, String gv) {
    if (!(body instanceof ObjectNode obj)) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    String k = obj.path("kind").asText("");
    String v = obj.path("apiVersion").asText("");
    if (!k.isEmpty() && !k.equals(kind) || !v.isEmpty() && !v.equals(gv)) {
      throw ApiException.badRequest((k.isEmpty() ? "object" : k) + " in version \"" + (v.isEmpty() ? "<none>" : v)
          + "\" cannot be handled as a " + kind + ": the kind or apiVersion of the body does not match "
          + gv + ", Kind=" + kind);
    }
    obj.put("apiVersion", gv).put("kind", kind);
    if (!obj.path("metadata").isObject() && obj.has("metadata")) {
      throw ApiException.badRequest("metadata must be an object");
    }
    return obj;
  }

  /** The field manager: the {@code fieldManager} parameter, else the client's User-Agent name (as Kubernetes). */
  static String manager(RoutingContext ctx) {
    String m = ctx.queryParams().get("fieldManager");
    if (m != null && !m.isEmpty()) {
      return m.length() > 128 ? m.substring(0, 128) : m;
    }
    String ua = ctx.request().getHeader("User-Agent");
    if (ua == null || ua.isBlank()) {
      return "unknown";
    }
    int slash = ua.indexOf('/');
    String name = slash > 0 ? ua.substring(0, slash) : ua;
    return name.length() > 128 ? name.substring(0, 128) : name;
  }

  static boolean dryRun(RoutingContext ctx) {
    return DeleteOptions.dryRun(ctx.queryParams().getAll("dryRun"));
  }

  static boolean isTrue(String v) {
    return v != null && (v.equals("true") || v.equals("1"));
  }
}
