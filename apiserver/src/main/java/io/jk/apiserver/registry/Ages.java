package io.jk.apiserver.registry;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Ages as kubectl prints them ({@code 5m}, {@code 3h12m}, {@code 2d}), like apimachinery's HumanDuration. */
public final class Ages {

  private Ages() {}

  /** The age of an RFC 3339 {@code timestamp} at {@code now}; {@code <unknown>} when absent. */
  public static String since(String timestamp, Instant now) {
    if (timestamp == null || timestamp.isEmpty()) {
      return "<unknown>";
    }
    try {
      return human(Duration.between(Instant.parse(timestamp), now));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  /** A duration in the short human form. */
  public static String human(Duration d) {
    long s = d.getSeconds();
    if (s < -1) {
      return "<invalid>";
    } else if (s < 0) {
      return "0s";
    } else if (s < 120) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 10) {
      return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
    } else if (m < 180) {
      return m + "m";
    }
    long h = m / 60;
    if (h < 8) {
      return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
    } else if (h < 48) {
      return h + "h";
    } else if (h < 192) {
      return h % 24 == 0 ? (h / 24) + "d" : (h / 24) + "d" + (h % 24) + "h";
    }
    long days = h / 24;
    if (days < 365 * 2) {
      return days + "d";
    } else if (days < 365 * 8) {
      return days % 365 == 0 ? (days / 365) + "y" : (days / 365) + "y" + (days % 365) + "d";
    }
    return (days / 365) + "y";
  }
}
