package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A finished REST call: status code, JSON body and any {@code Warning} headers.
 *
 * @param code HTTP status
 * @param body the JSON body
 * @param warnings texts for {@code Warning: 299 - "..."} headers
 * @param json {@code body} already serialized, or {@code null} to serialize it when sending
 */
public record Reply(int code, JsonNode body, List<String> warnings, byte[] json) {

  public Reply(int code, JsonNode body, List<String> warnings) {
    this(code, body, warnings, null);
  }

  public static Reply of(int code, JsonNode body) {
    return new Reply(code, body, List.of());
  }

  /** A reply whose body is already serialized as {@code json}, which must be {@code body}'s JSON. */
  public static Reply of(int code, JsonNode body, byte[] json) {
    return new Reply(code, body, List.of(), json);
  }

  public Reply withWarnings(List<String> w) {
    return w.isEmpty() ? this : new Reply(code, body, w, json);
  }
}
