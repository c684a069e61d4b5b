package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.http.ApiException;

/**
 * The options of a delete, from the {@code DeleteOptions} body and the query.
 *
 * @param gracePeriodSeconds the grace period, or {@code null} for the object's default
 * @param uid precondition on {@code metadata.uid}, or {@code null}
 * @param resourceVersion precondition on {@code metadata.resourceVersion}, or {@code null}
 * @param propagationPolicy {@code Orphan}, {@code Background}, {@code Foreground} or {@code null}
 * @param dryRun whether nothing may be written
 */
public record DeleteOptions(Long gracePeriodSeconds, String uid, String resourceVersion, String propagationPolicy,
    boolean dryRun) {

  /** Reads the options; the body wins over the query where both give a value. */
  public static DeleteOptions from(JsonNode body, java.util.function.Function<String, String> query) {
    Long grace = null;
    String q = query.apply("gracePeriodSeconds");
    if (q != null) {
      grace = parseLong(q, "gracePeriodSeconds");
    }
    String policy = query.apply("propagationPolicy");
    boolean dry = "All".equals(query.apply("dryRun"));
    String uid = null;
    String rv = null;
    if (body != null && body.isObject()) {
      if (body.hasNonNull("gracePeriodSeconds")) {
        grace = body.get("gracePeriodSeconds").asLong();
      }
      if (body.hasNonNull("propagationPolicy")) {
        policy = body.get("propagationPolicy").asText();
      } else if (body.has("orphanDependents") && body.get("orphanDependents").isBoolean()) {
        policy = body.get("orphanDependents").asBoolean() ? "Orphan" : "Background";
      }
      JsonNode pre = body.path("preconditions");
      uid = pre.hasNonNull("uid") ? pre.get("uid").asText() : null;
      rv = pre.hasNonNull("resourceVersion") ? pre.get("resourceVersion").asText() : null;
      for (JsonNode d : body.path("dryRun")) {
        dry |= d.asText().equals("All");
      }
    }
    if (policy != null && !policy.equals("Orphan") && !policy.equals("Background") && !policy.equals("Foreground")) {
      throw ApiException.badRequest("propagationPolicy: Unsupported value: \"" + policy
          + "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"");
    }
    if (grace != null && grace < 0) {
      grace = 0L;
    }
    return new DeleteOptions(grace, uid, rv, policy, dry);
  }

  static long parseLong(String s, String what) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid " + what + ": \"" + s + "\"");
    }
  }
}
