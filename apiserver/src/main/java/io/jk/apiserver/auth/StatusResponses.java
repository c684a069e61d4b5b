package io.jk.apiserver.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jk.common.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** Kubernetes {@code Status} failure bodies for authentication and authorization errors. */
final class StatusResponses {

  private StatusResponses() {}

  /** The 401 body kube-apiserver sends to unauthenticated requests. */
  static String unauthorized() {
    return body("Unauthorized", "Unauthorized", 401, null);
  }

  /** A 403 body with {@code message} and, for resource requests, details. */
  static String forbidden(String message, RequestAttributes attributes) {
    Map<String, Object> details = null;
    if (attributes.resourceRequest()) {
      details = new LinkedHashMap<>();
      if (!attributes.name().isEmpty()) {
        details.put("name", attributes.name());
      }
      if (!attributes.apiGroup().isEmpty()) {
        details.put("group", attributes.apiGroup());
      }
      details.put("kind", attributes.resource());
    }
    return body(message, "Forbidden", 403, details);
  }

  static void send(RoutingContext ctx, int code, String body) {
    ctx.response().setStatusCode(code)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-cache, private")
        .end(body);
  }

  private static String body(String message, String reason, int code, Map<String, Object> details) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.put("metadata", Map.of());
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    if (details != null) {
      status.put("details", details);
    }
    status.put("code", code);
    try {
      return Json.mapper().writeValueAsString(status);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write Status", e);
    }
  }
}
