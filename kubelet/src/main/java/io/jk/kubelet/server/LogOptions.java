package io.jk.kubelet.server;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * The query of {@code /containerLogs} (and of {@code pods/log}), as Kubernetes' {@code PodLogOptions}.
 *
 * @param follow keep streaming new lines until the container ends
 * @param tailLines only the last so many lines (-1: all)
 * @param timestamps prefix each line with its RFC3339Nano time
 * @param previous the container's previous instance
 * @param since only lines at or after this time (null: all)
 * @param limitBytes stop after so many bytes (-1: no limit)
 */
public record LogOptions(boolean follow, long tailLines, boolean timestamps, boolean previous, Instant since,
    long limitBytes) {

  /** Parses the query parameters; bad values fail with an {@link IllegalArgumentException} naming the parameter. */
  public static LogOptions parse(Function<String, String> query, Instant now) {
    long tail = number(query, "tailLines", -1);
    long limit = number(query, "limitBytes", -1);
    long sinceSeconds = number(query, "sinceSeconds", -1);
    if (query.apply("tailLines") != null && tail < 0) {
      throw new IllegalArgumentException("tailLines: Invalid value: " + tail + ": must be greater than or equal to 0");
    }
    if (query.apply("limitBytes") != null && limit < 1) {
      throw new IllegalArgumentException("limitBytes: Invalid value: " + limit + ": must be greater than 0");
    }
    if (query.apply("sinceSeconds") != null && sinceSeconds < 1) {
      throw new IllegalArgumentException("sinceSeconds: Invalid value: " + sinceSeconds + ": must be greater than 0");
    }
    Instant since = null;
    if (sinceSeconds > 0) {
      since = now.minusSeconds(sinceSeconds);
    }
    String sinceTime = query.apply("sinceTime");
    if (sinceTime != null) {
      if (since != null) {
        throw new IllegalArgumentException("at most one of sinceTime or sinceSeconds may be specified");
      }
      try {
        since = Instant.parse(sinceTime);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("sinceTime: Invalid value: \"" + sinceTime + "\": not an RFC3339 time");
      }
    }
    return new LogOptions(flag(query, "follow"), tail, flag(query, "timestamps"), flag(query, "previous"), since, limit);
  }

  static boolean flag(Function<String, String> query, String name) {
    String v = query.apply(name);
    return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
  }

  private static long number(Function<String, String> query, String name, long absent) {
    String v = query.apply(name);
    if (v == null || v.isEmpty()) {
      return absent;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": Invalid value: \"" + v + "\": not an integer");
    }
  }
}
