package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.http.ApiException;
import java.util.ArrayList;
import java.util.List;

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
    String dryQuery = query.apply("dryRun");
    boolean dry = dryQuery != null && dryRun(List.of(dryQuery));
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
      List<String> dryBody = new ArrayList<>();
      body.path("dryRun").forEach(d -> dryBody.add(d.asText()));
      dry |= dryRun(dryBody);
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

  /**
   * Whether a request's {@code dryRun} values ask for a dry run: none is a real write, {@code All} a dry
   * run, anything else a 400 (as Kubernetes answers), never silently a real write.
   */
  static boolean dryRun(List<String> values) {
    for (String v : values) {
      if (!v.equals("All")) {
        throw ApiException.badRequest("dryRun: Unsupported value: \"" + v + "\": supported values: \"All\"");
      }
    }
    return !values.isEmpty();
  }

  static long parseLong(String s, String what) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid " + what + ": \"" + s + "\"");
    }
  }
}
