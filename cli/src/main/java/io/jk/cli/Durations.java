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
    try {
      return io.jk.common.config.Durations.parse(t);
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid duration \"" + s + "\" (use e.g. 30s, 5m, 1h)");
    }
  }

  /** A {@link System#nanoTime()} deadline; zero means none. */
  public static long deadline(String timeout) {
    Duration d = parse(timeout);
    return d.isZero() ? Long.MAX_VALUE : System.nanoTime() + d.toNanos();
  }
}
