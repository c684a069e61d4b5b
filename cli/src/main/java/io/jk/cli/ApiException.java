package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An error answer from the API server, printed as kubectl does:
 * {@code Error from server (NotFound): pods "x" not found}.
 */
public final class ApiException extends CliException {

  private final int status;
  private final String reason;

  /** Builds the exception from the HTTP status and the response body (a {@code Status} or anything else). */
  public ApiException(int status, JsonNode body, String rawBody) {
    super(message(status, body, rawBody));
    this.status = status;
    this.reason = body != null && body.hasNonNull("reason") ? body.get("reason").asText() : reasonFor(status);
  }

  private ApiException(ApiException cause, String prefix) {
    super(prefix + cause.getMessage());
    this.status = cause.status;
    this.reason = cause.reason;
  }

  /** The same error with context before the server's message, e.g. {@code error when creating "app.yaml": }. */
  public ApiException withPrefix(String prefix) {
    return new ApiException(this, prefix);
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** The {@code Status.reason}, e.g. {@code NotFound}. */
  public String reason() {
    return reason;
  }

  @Override
  public String userMessage() {
    return "Error from server (" + reason + "): " + getMessage();
  }

  private static String message(int status, JsonNode body, String raw) {
    if (body != null && body.hasNonNull("message")) {
      return body.get("message").asText();
    }
    return raw == null || raw.isBlank() ? "the server responded with status " + status : raw.strip();
  }

  private static String reasonFor(int status) {
    return switch (status) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 409 -> "Conflict";
      case 410 -> "Expired";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 500 -> "InternalError";
      case 503 -> "ServiceUnavailable";
      default -> "Unknown";
    };
  }
}
