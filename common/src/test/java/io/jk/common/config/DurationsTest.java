package io.jk.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("500ms", Duration.ofMillis(500)),
        Arguments.of("50s", Duration.ofSeconds(50)),
        Arguments.of("1m30s", Duration.ofSeconds(90)),
        Arguments.of("1.5s", Duration.ofMillis(1500)),
        Arguments.of("2h", Duration.ofHours(2)),
        Arguments.of("250us", Duration.ofNanos(250_000)),
        Arguments.of("0", Duration.ZERO));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parsesGoDurations(String text, Duration want) {
    assertEquals(want, Durations.parse(text));
  }

  @ParameterizedTest(name = "\"{0}\" is refused")
  @ValueSource(strings = {"", "50", "soon", "5 m", "1m30", "-1s", "s"})
  void refusesWhatGoRefuses(String text) {
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
  }
}
