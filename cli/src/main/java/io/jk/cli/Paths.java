package io.jk.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** URL pieces: path segments and query values. */
public final class Paths {

  private Paths() {}

  /** Encodes a query parameter value. */
  public static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Encodes a path segment (names are DNS labels, but never trust input). */
  public static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
