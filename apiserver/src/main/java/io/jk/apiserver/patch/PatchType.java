package io.jk.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The patch formats of a Kubernetes PATCH request, by {@code Content-Type}.
 */
public enum PatchType {
  /** RFC 6902, {@code application/json-patch+json}. */
  JSON("application/json-patch+json"),
  /** RFC 7386, {@code application/merge-patch+json}. */
  MERGE("application/merge-patch+json"),
  /** Kubernetes strategic merge patch, {@code application/strategic-merge-patch+json}. */
  STRATEGIC("application/strategic-merge-patch+json"),
  /** Server-side apply, {@code application/apply-patch+yaml} (the body may be JSON or YAML). */
  APPLY("application/apply-patch+yaml");

  private final String contentType;

  PatchType(String contentType) {
    this.contentType = contentType;
  }

  /** The media type clients send. */
  public String contentType() {
    return contentType;
  }

  /**
   * The patch type of a request's {@code Content-Type} (parameters such as {@code charset}
   * ignored, case-insensitive), or null when it is not a patch type: the REST layer answers 415
   * Unsupported Media Type.
   */
  public static PatchType fromContentType(String header) {
    if (header == null) {
      return null;
    }
    int semi = header.indexOf(';');
    String media = (semi >= 0 ? header.substring(0, semi) : header).trim()
        .toLowerCase(Locale.ROOT);
    for (PatchType t : values()) {
      if (t.contentType.equals(media)) {
        return t;
      }
    }
    return null;
  }

  /**
   * Applies a JSON, merge or strategic merge patch (not {@link #APPLY}, which needs a manager:
   * use {@link ServerSideApply#apply}).
   *
   * @throws PatchException as the patch implementations do
   * @throws IllegalStateException for {@link #APPLY}
   */
  public JsonNode apply(JsonNode original, JsonNode patch, PatchSchema schema) {
    switch (this) {
      case JSON:
        return JsonPatch.apply(original, patch);
      case MERGE:
        return MergePatch.apply(original, patch);
      case STRATEGIC:
        return StrategicMergePatch.apply(original, patch, schema);
      default:
        throw new IllegalStateException("server-side apply needs ServerSideApply.apply");
    }
  }
}
