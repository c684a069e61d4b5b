package io.jk.apiserver.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FieldSelectorTest {

  private static final Map<String, String> POD = Map.of(
      "metadata.name", "web-1", "metadata.namespace", "demo", "spec.nodeName", "n1",
      "status.phase", "Running", "metadata.annotations.x", "a,b=c\\d");

  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("equals", "metadata.name=web-1", true),
        Arguments.of("double equals", "metadata.name==web-1", true),
        Arguments.of("not equals", "status.phase!=Running", false),
        Arguments.of("comma is AND", "spec.nodeName=n1,status.phase=Running", true),
        Arguments.of("comma is AND, one false", "spec.nodeName=n1,status.phase=Pending", false),
        Arguments.of("absent field is the empty string", "spec.schedulerName=", true),
        Arguments.of("empty value does not match a set field", "spec.nodeName=", false),
        Arguments.of("not-equals empty selects scheduled pods", "spec.nodeName!=", true),
        Arguments.of("escaped comma, equals and backslash", "metadata.annotations.x=a\\,b\\=c\\\\d",
            true),
        Arguments.of("empty selector", "", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matching")
  void matches(String name, String selector, boolean want) {
    assertEquals(want, FieldSelector.parse(selector).matches(POD));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("term without operator", "metadata.name",
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        Arguments.of("unknown escape", "a=b\\x",
            "invalid field selector: invalid escape sequence: \\x"),
        Arguments.of("trailing backslash", "a=b\\",
            "invalid field selector: invalid escape sequence: \\"),
        Arguments.of("unescaped equals in value", "a=b=c",
            "invalid field selector: unescaped character in value: 61"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void parseErrors(String name, String selector, String message) {
    assertEquals(message, assertThrows(SelectorException.class,
        () -> FieldSelector.parse(selector)).getMessage());
  }

  @Test
  void exactValueServesDirectLookups() {
    FieldSelector s = FieldSelector.parse("status.phase!=Failed,spec.nodeName=n1");
    assertEquals(Optional.of("n1"), s.exactValue("spec.nodeName"));
    assertEquals(Optional.empty(), s.exactValue("status.phase"));
    assertEquals(Optional.empty(), s.exactValue("metadata.name"));
  }

  @Test
  void validateRejectsUnsupportedFields() {
    FieldSelector s = FieldSelector.parse("metadata.name=a,foo=b");
    SelectorException e = assertThrows(SelectorException.class,
        () -> s.validate(Set.of("metadata.name", "metadata.namespace")));
    assertEquals("field label not supported: foo", e.getMessage());
    FieldSelector.parse("metadata.name=a").validate(Set.of("metadata.name"));
  }

  @Test
  void canonicalTextSortsAndEscapes() {
    assertEquals("a=x\\,y,b!=1", FieldSelector.parse("b!=1,a==x\\,y").toString());
  }
}
