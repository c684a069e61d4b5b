package io.jk.apiserver.resources.support;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Ages as kubectl shows them (apimachinery {@code duration.HumanDuration}): 45s, 5m30s, 3h4m, 5d, 2y3d. */
public final class HumanDuration {

  private HumanDuration() {}

  /** Formats {@code d} the way Kubernetes' {@code HumanDuration} does. */
  public static String format(Duration d) {
    // Go's int(d.Seconds()) truncates toward zero: -1.5s is -1, hence "0s".
    long seconds = d.toMillis() / 1000;
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = seconds / 3600;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? (hours / 24) + "d" : (hours / 24) + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return (hours / 24) + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? (hours / 24 / 365) + "y" : (hours / 24 / 365) + "y" + dy + "d";
    }
    return (hours / 24 / 365) + "y";
  }

  /**
   * The age of an RFC 3339 timestamp at {@code now}, as {@code translateTimestampSince}:
   * {@code <unknown>} when the timestamp is missing or unreadable.
   */
  public static String since(String timestamp, Instant now) {
    Instant t = parseTime(timestamp);
    return t == null ? "<unknown>" : format(Duration.between(t, now));
  }

  /** An RFC 3339 timestamp (with optional fraction), or {@code null}. */
  public static Instant parseTime(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(timestamp).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
