package io.jk.apiserver.resources.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Kubernetes' {@code metav1.MicroTime}: written as RFC 3339 in UTC with exactly six fraction
 * digits ({@code 2026-01-02T15:04:05.123456Z}); read from any RFC 3339 time (any number of
 * fraction digits, any offset), extra precision truncated as Go's formatting does.
 */
public final class MicroTime {

  private static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final String MESSAGE = "must be an RFC 3339 time, e.g. 2006-01-02T15:04:05.000000Z";

  private MicroTime() {}

  /** {@code instant} in the MicroTime form. */
  public static String format(Instant instant) {
    return OUT.format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  /** {@code text} in the MicroTime form, or null when it is not an RFC 3339 time. */
  public static String normalize(String text) {
    if (text == null) {
      return null;
    }
    try {
      return format(OffsetDateTime.parse(text.trim()).toInstant());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Rewrites {@code parent.field} in the MicroTime form when it is a parsable time; leaves it
   * alone otherwise (null, absent, or invalid: {@link #validate} reports those).
   */
  public static void normalizeField(ObjectNode parent, String field) {
    if (parent == null) {
      return;
    }
    JsonNode v = parent.get(field);
    if (v != null && v.isTextual()) {
      String n = normalize(v.textValue());
      if (n != null) {
        parent.put(field, n);
      }
    }
  }

  /** Adds an Invalid error at {@code path} when {@code parent.field} is set but not an RFC 3339 time. */
  public static void validate(JsonNode parent, String field, String path, List<FieldError> errs) {
    if (parent == null) {
      return;
    }
    JsonNode v = parent.get(field);
    if (v == null || v.isNull()) {
      return;
    }
    if (!v.isTextual() || normalize(v.textValue()) == null) {
      errs.add(FieldError.invalid(path, v.isTextual() ? v.textValue() : v.toString(), MESSAGE));
    }
  }
}
