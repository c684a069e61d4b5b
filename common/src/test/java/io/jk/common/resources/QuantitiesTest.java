package io.jk.common.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantitiesTest {

  static Stream<Arguments> milli() {
    return Stream.of(
        Arguments.of("100m is a tenth of a core", "100m", 100L),
        Arguments.of("1.5 cores are 1500 millicores", "1.5", 1500L),
        Arguments.of("a whole number is whole cores", "2", 2000L),
        Arguments.of("an exponent multiplies", "2e3", 2_000_000L),
        Arguments.of("nanocores round up to one millicore", "1n", 1L),
        Arguments.of("micro cores round up", "1500u", 2L),
        Arguments.of("a fraction beyond millis rounds up", "0.0001", 1L),
        Arguments.of("a plus sign is allowed", "+250m", 250L),
        Arguments.of("zero is zero", "0", 0L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void milli(String name, String quantity, long want) {
    assertEquals(want, Quantities.milli(quantity));
  }

  static Stream<Arguments> value() {
    return Stream.of(
        Arguments.of("128Mi is binary mebibytes", "128Mi", 134_217_728L),
        Arguments.of("1G is decimal", "1G", 1_000_000_000L),
        Arguments.of("16Gi is binary", "16Gi", 17_179_869_184L),
        Arguments.of("1.5Gi keeps its fraction", "1.5Gi", 1_610_612_736L),
        Arguments.of("1k is a thousand", "1k", 1000L),
        Arguments.of("plain bytes", "123456", 123456L),
        Arguments.of("an exponent", "1e6", 1_000_000L),
        Arguments.of("a fraction of a byte rounds up", "0.5", 1L),
        Arguments.of("100m of a byte rounds up to one", "100m", 1L),
        Arguments.of("exbibytes saturate instead of overflowing", "100Ei", Long.MAX_VALUE),
        Arguments.of("a very long number goes the slow way", "123456789012345678901", Long.MAX_VALUE),
        Arguments.of("1Ti", "1Ti", 1L << 40));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void value(String name, String quantity, long want) {
    assertEquals(want, Quantities.value(quantity));
  }

  @ParameterizedTest(name = "\"{0}\" is rejected")
  @ValueSource(strings = {"", "abc", "1Qi", "1..2", "Mi", ".", "1e", "1e999"})
  void badQuantitiesAreRejectedWithAClearMessage(String quantity) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Quantities.value(quantity));
    assertEquals(true, e.getMessage().startsWith("quantities must match"), e.getMessage());
  }

  @Test
  void fabric8QuantitiesAreParsedFromAmountAndFormat() {
    assertEquals(500, Quantities.milli(new io.fabric8.kubernetes.api.model.Quantity("500m")));
    assertEquals(1L << 30, Quantities.value(new io.fabric8.kubernetes.api.model.Quantity("1Gi")));
    assertEquals(0, Quantities.value((io.fabric8.kubernetes.api.model.Quantity) null));
  }
}
