package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.apiserver.resources.support.CronSchedule;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Quantity;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QuantityAndNamesTest {

  static Stream<Arguments> quantities() {
    return Stream.of(
        Arguments.of("millicores", "100m", "0.1"),
        Arguments.of("whole cores", "2", "2"),
        Arguments.of("binary suffix", "1Gi", "1073741824"),
        Arguments.of("fraction with binary suffix", "1.5Ki", "1536"),
        Arguments.of("decimal suffix", "128M", "128000000"),
        Arguments.of("exponent", "1e3", "1000"),
        Arguments.of("negative exponent", "5E-1", "0.5"),
        Arguments.of("leading dot", ".5", "0.5"),
        Arguments.of("trailing dot", "5.", "5"),
        Arguments.of("signed", "-1", "-1"),
        Arguments.of("kilo is lower case", "1K", null),
        Arguments.of("unknown suffix", "12XB", null),
        Arguments.of("empty", "", null),
        Arguments.of("only a sign", "+", null),
        Arguments.of("space inside", "1 Gi", null),
        Arguments.of("two dots", "1.2.3", null),
        Arguments.of("huge exponent", "1e999999", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("quantities")
  void parsesQuantitiesStrictly(String name, String in, String want) {
    Optional<BigDecimal> got = Quantity.parse(in);
    if (want == null) {
      assertEquals(Optional.empty(), got);
    } else {
      assertEquals(0, new BigDecimal(want).compareTo(got.orElseThrow()), () -> in + " -> " + got);
    }
  }

  static Stream<Arguments> names() {
    return Stream.of(
        Arguments.of("subdomain with dots", Names.Rule.DNS1123_SUBDOMAIN, "web.example-1", true),
        Arguments.of("subdomain upper case", Names.Rule.DNS1123_SUBDOMAIN, "Web", false),
        Arguments.of("subdomain 253 chars", Names.Rule.DNS1123_SUBDOMAIN, "a".repeat(253), true),
        Arguments.of("subdomain 254 chars", Names.Rule.DNS1123_SUBDOMAIN, "a".repeat(254), false),
        Arguments.of("label with dot", Names.Rule.DNS1123_LABEL, "a.b", false),
        Arguments.of("label starting with digit", Names.Rule.DNS1123_LABEL, "1abc", true),
        Arguments.of("label 64 chars", Names.Rule.DNS1123_LABEL, "a".repeat(64), false),
        Arguments.of("dns-1035 starting with digit", Names.Rule.DNS1035_LABEL, "1abc", false),
        Arguments.of("dns-1035 ending with dash", Names.Rule.DNS1035_LABEL, "abc-", false),
        Arguments.of("dns-1035 plain", Names.Rule.DNS1035_LABEL, "web-1", true),
        Arguments.of("path segment with slash", Names.Rule.PATH_SEGMENT, "a/b", false),
        Arguments.of("path segment upper case", Names.Rule.PATH_SEGMENT, "Anything:Goes", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void checksNames(String name, Names.Rule rule, String value, boolean valid) {
    assertEquals(valid, rule.check(value).isEmpty(), () -> rule.check(value).toString());
  }

  static Stream<Arguments> keys() {
    return Stream.of(
        Arguments.of("plain label key", "app", true),
        Arguments.of("prefixed label key", "app.kubernetes.io/name", true),
        Arguments.of("empty prefix", "/name", false),
        Arguments.of("two slashes", "a/b/c", false),
        Arguments.of("name part too long", "x/" + "a".repeat(64), false),
        Arguments.of("upper-case prefix", "Example.com/x", false),
        Arguments.of("underscore inside", "my_key", true),
        Arguments.of("dash at the end", "key-", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keys")
  void checksQualifiedNames(String name, String key, boolean valid) {
    assertEquals(valid, Names.qualifiedName(key).isEmpty(), () -> Names.qualifiedName(key).toString());
  }

  static Stream<Arguments> schedules() {
    return Stream.of(
        Arguments.of("every minute", "* * * * *", null),
        Arguments.of("steps and ranges", "*/15 9-17 * * MON-FRI", null),
        Arguments.of("lists and names", "0 0 1,15 jan,jul *", null),
        Arguments.of("descriptor", "@hourly", null),
        Arguments.of("every duration", "@every 1h30m", null),
        Arguments.of("too few fields", "* * *", "expected exactly 5 fields, found 3: [* * *]"),
        Arguments.of("minute out of range", "60 * * * *", "end of range (60) above maximum (59): 60"),
        Arguments.of("day of month zero", "0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
        Arguments.of("garbage", "a b c d e", "failed to parse int from a"),
        Arguments.of("unknown descriptor", "@fortnightly", "unrecognized descriptor: @fortnightly"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("schedules")
  void checksCronSchedules(String name, String schedule, String want) {
    assertEquals(want, CronSchedule.problem(schedule));
  }
}
