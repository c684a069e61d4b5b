package io.jk.cli;

import java.time.Duration;

/** Go-style durations as kubectl takes them ({@code 30s}, {@code 5m}, {@code 1h30m}, {@code 250ms}). */
public final class Durations {

  private Durations() {}

  /** Parses a duration; a bare number is seconds. */
  public static Duration parse(String s) {
    String t = s.strip();
    if (t.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(t));
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|h|m|s)").matcher(t);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
      end = m.end();
    }
    if (end != t.length() || t.isEmpty()) {
      throw new CliException("invalid duration \"" + s + "\" (use e.g. 30s, 5m, 1h)");
    }
    return d;
  }

  /** A {@link System#nanoTime()} deadline; zero means none. */
  public static long deadline(String timeout) {
    Duration d = parse(timeout);
    return d.isZero() ? Long.MAX_VALUE : System.nanoTime() + d.toNanos();
  }
}
