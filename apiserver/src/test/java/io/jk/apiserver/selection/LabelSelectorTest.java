package io.jk.apiserver.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.common.json.Json;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {

  private static final Map<String, String> WEB = Map.of("app", "web", "tier", "front", "rev", "5");

  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("equals matches the same value", "app=web", true),
        Arguments.of("double equals is equals", "app==web", true),
        Arguments.of("equals rejects another value", "app=db", false),
        Arguments.of("not-equals accepts a missing label", "missing!=x", true),
        Arguments.of("not-equals rejects the same value", "app!=web", false),
        Arguments.of("in accepts one of the values", "app in (db,web)", true),
        Arguments.of("in rejects a missing label", "zone in (a)", false),
        Arguments.of("notin accepts a missing label", "zone notin (a)", true),
        Arguments.of("notin rejects a listed value", "app notin (web)", false),
        Arguments.of("exists", "app", true),
        Arguments.of("exists rejects a missing label", "zone", false),
        Arguments.of("does not exist", "!zone", true),
        Arguments.of("does not exist rejects a present label", "!app", false),
        Arguments.of("comma is AND (both true)", "app=web,tier=front", true),
        Arguments.of("comma is AND (one false)", "app=web,tier=back", false),
        Arguments.of("whitespace around tokens is ignored", "  app = web ,  tier in ( front ) ",
            true),
        Arguments.of("greater than compares integers", "rev>4", true),
        Arguments.of("less than compares integers", "rev<5", false),
        Arguments.of("empty selector matches everything", "", true),
        Arguments.of("keyword in is a valid value", "app!=in", true),
        Arguments.of("empty value with equals matches only empty", "app=", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matching")
  void matches(String name, String selector, boolean want) {
    assertEquals(want, LabelSelector.parse(selector).matches(WEB));
  }

  static Stream<Arguments> canonical() {
    return Stream.of(
        Arguments.of("sorted by key", "tier=front,app=web", "app=web,tier=front"),
        Arguments.of("values sorted and deduplicated", "env in (qa, prod,qa)", "env in (prod,qa)"),
        Arguments.of("every operator", "a,!b,c==1,d!=2,e notin (x),f>3,g<4",
            "a,!b,c==1,d!=2,e notin (x),f>3,g<4"),
        Arguments.of("prefixed keys", "app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
        Arguments.of("empty in list is one empty value", "a in ()", "a in ()"),
        Arguments.of("blank", "   ", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canonical")
  void canonicalText(String name, String selector, String want) {
    assertEquals(want, LabelSelector.parse(selector).toString());
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("in without parenthesis", "a in b",
            "unable to parse requirement: found 'b' expected: '('"),
        Arguments.of("two identifiers", "a b",
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        Arguments.of("trailing comma", "a=b,",
            "found '', expected: identifier after ','"),
        Arguments.of("junk after a requirement", "a=b c",
            "found 'c', expected: ',' or 'end of string'"),
        Arguments.of("starts with an operator", "=a",
            "found '=', expected: !, identifier, or 'end of string'"),
        Arguments.of("unclosed list", "a in (x",
            "unable to parse requirement: found '', expected: ',' or ')'"),
        Arguments.of("gt needs an integer", "a>b",
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt'"
                + " operators, the value must be an integer"),
        Arguments.of("invalid key", "-a=b", "unable to parse requirement: <nil>: Invalid value:"
            + " \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and"
            + " must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name', "
            + " or '123-abc', regex used for validation is"
            + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        Arguments.of("invalid value", "a=b$", "unable to parse requirement: values[0][a]: Invalid"
            + " value: \"b$\": a valid label must be an empty string or consist of alphanumeric"
            + " characters, '-', '_' or '.', and must start and end with an alphanumeric"
            + " character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation"
            + " is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void parseErrors(String name, String selector, String message) {
    SelectorException e = assertThrows(SelectorException.class,
        () -> LabelSelector.parse(selector));
    assertEquals(message, e.getMessage());
  }

  @Test
  void fromObjectConvertsMatchLabelsAndExpressions() throws Exception {
    LabelSelector s = LabelSelector.fromObject(Json.mapper().readTree(
        "{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
            + "{\"key\":\"env\",\"operator\":\"In\",\"values\":[\"qa\",\"prod\"]},"
            + "{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]}"));
    assertEquals("app=web,!canary,env in (prod,qa)", s.toString());
    assertTrue(s.matches(Map.of("app", "web", "env", "qa")));
    assertFalse(s.matches(Map.of("app", "web", "env", "qa", "canary", "1")));
  }

  @Test
  void scaleSelectorShowsCanonicalForm() throws Exception {
    LabelSelector s = LabelSelector.fromObject(
        Json.mapper().readTree("{\"matchLabels\":{\"app\":\"web\"}}"));
    assertEquals("app=web", s.toString());
  }

  @Test
  void emptyObjectMatchesEverythingAndNullMatchesNothing() throws Exception {
    assertTrue(LabelSelector.fromObject(Json.mapper().readTree("{}")).matches(Map.of("a", "b")));
    assertTrue(LabelSelector.fromObject(Json.mapper().readTree("{}")).isEverything());
    assertFalse(LabelSelector.fromObject(null).matches(Map.of()));
    assertFalse(LabelSelector.fromObject(Json.mapper().readTree("null")).matches(Map.of()));
  }

  @Test
  void fromObjectRejectsBadOperatorsAndValues() throws Exception {
    SelectorException bad = assertThrows(SelectorException.class, () -> LabelSelector.fromObject(
        Json.mapper().readTree("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Gt\"}]}")));
    assertEquals("\"Gt\" is not a valid label selector operator", bad.getMessage());
    SelectorException empty = assertThrows(SelectorException.class,
        () -> LabelSelector.fromObject(Json.mapper().readTree(
            "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[]}]}")));
    assertTrue(empty.getMessage().contains("values set can't be empty"), empty.getMessage());
    assertThrows(SelectorException.class, () -> LabelSelector.fromObject(Json.mapper().readTree(
        "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}")));
    assertThrows(SelectorException.class,
        () -> LabelSelector.fromObject(Json.mapper().readTree("{\"matchLabels\":[1]}")));
  }

  @Test
  void matchesObjectReadsMetadataLabels() throws Exception {
    LabelSelector s = LabelSelector.parse("app=web");
    assertTrue(s.matchesObject(Json.mapper().readTree(
        "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}")));
    assertFalse(s.matchesObject(Json.mapper().readTree("{\"metadata\":{}}")));
  }

  @Test
  void fromMapRequiresEveryEntry() {
    LabelSelector s = LabelSelector.fromMap(Map.of("app", "web", "tier", "front"));
    assertEquals("app=web,tier=front", s.toString());
    assertTrue(s.matches(WEB));
    assertFalse(s.matches(Map.of("app", "web")));
  }
}
