package io.jk.common.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Kubernetes flags and kubectl take them (Go's {@code time.ParseDuration}):
 * {@code 500ms}, {@code 10s}, {@code 1.5s}, {@code 1m30s}, {@code 2h}; units {@code ns},
 * {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}; a bare {@code 0} is zero.
 */
public final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and giving examples, for anything else
   */
  public static Duration parse(String text) {
    String t = text == null ? "" : text.strip();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(t);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (end < t.length() && m.find(end) && m.start() == end) {
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
      end = m.end();
    }
    if (end == 0 || end != t.length()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\" (use e.g. 500ms, 10s, 1m30s)");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L;
    };
  }
}
