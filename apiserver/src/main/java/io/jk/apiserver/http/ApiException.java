package io.jk.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceType;
import io.jk.common.json.Json;
import java.util.List;

/**
 * A failed request, answered with a {@code metav1.Status} carrying {@link #code()},
 * {@link #reason()} and {@link #message()}.
 */
public final class ApiException extends RuntimeException {

  private final int code;
  private final String reason;
  private final transient ObjectNode details;

  public ApiException(int code, String reason, String message, ObjectNode details) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  /** The Status object to send. */
  public ObjectNode toStatus() {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    s.put("status", "Failure").put("message", getMessage()).put("reason", reason);
    if (details != null) {
      s.set("details", details);
    }
    s.put("code", code);
    return s;
  }

  private static ObjectNode details(ResourceType type, String name) {
    ObjectNode d = Json.mapper().createObjectNode();
    if (name != null) {
      d.put("name", name);
    }
    if (type != null) {
      if (!type.group().isEmpty()) {
        d.put("group", type.group());
      }
      d.put("kind", type.resource());
    }
    return d;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message, null);
  }

  public static ApiException notFound(ResourceType type, String name) {
    return new ApiException(404, "NotFound", type.qualifiedResource() + " \"" + name + "\" not found",
        details(type, name));
  }

  public static ApiException notFoundPath() {
    return new ApiException(404, "NotFound", "the server could not find the requested resource", null);
  }

  public static ApiException alreadyExists(ResourceType type, String name) {
    return new ApiException(409, "AlreadyExists", type.qualifiedResource() + " \"" + name + "\" already exists",
        details(type, name));
  }

  public static ApiException conflict(ResourceType type, String name) {
    return conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
  }

  public static ApiException conflict(ResourceType type, String name, String why) {
    return new ApiException(409, "Conflict",
        "Operation cannot be fulfilled on " + type.qualifiedResource() + " \"" + name + "\": " + why,
        details(type, name));
  }

  public static ApiException methodNotAllowed(String message) {
    return new ApiException(405, "MethodNotAllowed", message, null);
  }

  public static ApiException unsupportedMediaType(String contentType) {
    return new ApiException(415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, "
            + "application/yaml, application/json-patch+json, application/merge-patch+json, "
            + "application/strategic-merge-patch+json, application/apply-patch+yaml"
            + (contentType == null ? "" : " (got " + contentType + ")"), null);
  }

  public static ApiException tooLarge() {
    return new ApiException(413, "RequestEntityTooLarge", "the request body is larger than the limit of 3145728 bytes", null);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "Forbidden", message, null);
  }

  public static ApiException gone(String message) {
    return new ApiException(410, "Expired", message, null);
  }

  public static ApiException unavailable(String message) {
    return new ApiException(503, "ServiceUnavailable", message, null);
  }

  public static ApiException tooManyRequests(String message) {
    return new ApiException(429, "TooManyRequests", message, null);
  }

  public static ApiException internal(String message) {
    return new ApiException(500, "InternalError", "Internal error occurred: " + message, null);
  }

  /** 422 Invalid with one cause per field error, as kubectl prints them. */
  public static ApiException invalid(String kind, String name, List<FieldError> errors) {
    ObjectNode d = Json.mapper().createObjectNode();
    d.put("name", name).put("kind", kind);
    ArrayNode causes = d.putArray("causes");
    StringBuilder msg = new StringBuilder();
    for (FieldError e : errors) {
      causes.addObject().put("reason", e.type()).put("message", e.message()).put("field", e.field());
      msg.append(msg.length() == 0 ? "" : ", ").append(e.field()).append(": ").append(e.message());
    }
    String text = errors.size() == 1 ? msg.toString() : "[" + msg + "]";
    return new ApiException(422, "Invalid", kind + " \"" + name + "\" is invalid: " + text, d);
  }
}
