package io.jk.apiserver.resources.support;

import java.util.Locale;
import java.util.Map;

/**
 * Validation of CronJob schedules in the standard five-field format (minute, hour, day of month,
 * month, day of week) with {@code *}, {@code ?}, ranges, steps, lists, month and weekday names,
 * and the {@code @hourly}-style descriptors, as Kubernetes accepts them.
 */
public final class CronSchedule {

  private static final Map<String, Integer> MONTHS = Map.ofEntries(
      Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5),
      Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10),
      Map.entry("nov", 11), Map.entry("dec", 12));
  private static final Map<String, Integer> DAYS = Map.of(
      "sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6);
  private static final int[][] BOUNDS = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};

  private CronSchedule() {}

  /** The problem with {@code schedule}, or {@code null} when it is valid. */
  public static String problem(String schedule) {
    String s = schedule.trim();
    if (s.isEmpty()) {
      return "empty spec string";
    }
    if (s.startsWith("@")) {
      return switch (s) {
        case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly" -> null;
        default -> s.startsWith("@every ") ? null : "unrecognized descriptor: " + s;
      };
    }
    String[] fields = s.split("\\s+");
    if (fields.length != 5) {
      return "expected exactly 5 fields, found " + fields.length + ": [" + String.join(" ", fields) + "]";
    }
    for (int i = 0; i < 5; i++) {
      String p = field(fields[i], BOUNDS[i][0], BOUNDS[i][1], i == 3 ? MONTHS : i == 4 ? DAYS : Map.of());
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static String field(String f, int min, int max, Map<String, Integer> names) {
    for (String part : f.split(",", -1)) {
      String range = part;
      if (part.contains("/")) {
        String[] rs = part.split("/", -1);
        if (rs.length != 2) {
          return "too many slashes: " + part;
        }
        range = rs[0];
        Integer step = number(rs[1], Map.of());
        if (step == null) {
          return "failed to parse int from " + rs[1];
        }
        if (step <= 0) {
          return "step of range should be a positive number: " + part;
        }
      }
      if (range.equals("*") || range.equals("?")) {
        continue;
      }
      String[] lohi = range.split("-", -1);
      if (lohi.length > 2) {
        return "too many hyphens: " + range;
      }
      Integer lo = number(lohi[0], names);
      Integer hi = lohi.length == 2 ? number(lohi[1], names) : lo;
      if (lo == null) {
        return "failed to parse int from " + lohi[0];
      }
      if (hi == null) {
        return "failed to parse int from " + lohi[1];
      }
      if (lo < min) {
        return "beginning of range (" + lo + ") below minimum (" + min + "): " + range;
      }
      if (hi > max) {
        return "end of range (" + hi + ") above maximum (" + max + "): " + range;
      }
      if (lo > hi) {
        return "beginning of range (" + lo + ") beyond end of range (" + hi + "): " + range;
      }
    }
    return null;
  }

  private static Integer number(String s, Map<String, Integer> names) {
    Integer named = names.get(s.toLowerCase(Locale.ROOT));
    if (named != null) {
      return named;
    }
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    return Integer.parseInt(s);
  }
}
