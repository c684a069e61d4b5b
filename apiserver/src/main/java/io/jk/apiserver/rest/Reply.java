package io.jk.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A finished REST call: status code, JSON body and any {@code Warning} headers.
 *
 * @param code HTTP status
 * @param body the JSON body
 * @param warnings texts for {@code Warning: 299 - "..."} headers
 */
public record Reply(int code, JsonNode body, List<String> warnings) {

  public static Reply of(int code, JsonNode body) {
    return new Reply(code, body, List.of());
  }

  public Reply withWarnings(List<String> w) {
    return w.isEmpty() ? this : new Reply(code, body, w);
  }
}
