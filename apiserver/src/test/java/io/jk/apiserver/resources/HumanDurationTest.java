package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.apiserver.resources.support.HumanDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HumanDurationTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a little clock skew reads as now", Duration.ofMillis(-1500), "0s"),
        Arguments.of("a clock far behind is invalid", Duration.ofSeconds(-5), "<invalid>"),
        Arguments.of("seconds up to two minutes", Duration.ofSeconds(45), "45s"),
        Arguments.of("119 seconds stay seconds", Duration.ofSeconds(119), "119s"),
        Arguments.of("minutes and seconds under ten minutes", Duration.ofSeconds(5 * 60 + 30), "5m30s"),
        Arguments.of("whole minutes drop the seconds", Duration.ofMinutes(5), "5m"),
        Arguments.of("minutes only from ten minutes", Duration.ofSeconds(10 * 60 + 30), "10m"),
        Arguments.of("minutes up to three hours", Duration.ofMinutes(179), "179m"),
        Arguments.of("hours and minutes under eight hours", Duration.ofMinutes(3 * 60 + 4), "3h4m"),
        Arguments.of("whole hours", Duration.ofHours(5), "5h"),
        Arguments.of("hours only up to two days", Duration.ofMinutes(20 * 60 + 5), "20h"),
        Arguments.of("days and hours under eight days", Duration.ofHours(3 * 24 + 5), "3d5h"),
        Arguments.of("whole days", Duration.ofDays(5), "5d"),
        Arguments.of("days up to two years", Duration.ofDays(400), "400d"),
        Arguments.of("years and days", Duration.ofDays(2 * 365 + 3), "2y3d"),
        Arguments.of("years only from eight years", Duration.ofDays(9 * 365 + 20), "9y"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void formatsAsKubernetes(String name, Duration d, String want) {
    assertEquals(want, HumanDuration.format(d));
  }

  @Test
  void missingOrBadTimestampIsUnknown() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals("<unknown>", HumanDuration.since(null, now));
    assertEquals("<unknown>", HumanDuration.since("yesterday", now));
    assertEquals("90s", HumanDuration.since("2025-12-31T23:58:30Z", now));
  }
}
