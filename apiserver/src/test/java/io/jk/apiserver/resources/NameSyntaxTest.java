package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.apiserver.resources.support.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written syntax scans of {@link Names}: each accepts exactly the strings the regex
 * Kubernetes quotes accepts (checked on every string of up to 5 characters over an alphabet of
 * the characters that matter), and the checks built on them give Kubernetes' messages at the
 * edges: length limits, leading and trailing '-' and '.', upper case, empty, prefix/name split.
 */
class NameSyntaxTest {

  private static final String ALPHABET = "a0Z-._/%\né";

  static Stream<Arguments> scans() {
    return Stream.of(
        Arguments.of("DNS-1123 label", "[a-z0-9]([-a-z0-9]*[a-z0-9])?", (Predicate<String>) Names::isDns1123Label),
        Arguments.of("DNS-1123 subdomain", "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            (Predicate<String>) Names::isDns1123Subdomain),
        Arguments.of("DNS-1035 label", "[a-z]([-a-z0-9]*[a-z0-9])?", (Predicate<String>) Names::isDns1035Label),
        Arguments.of("qualified name part", "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]",
            (Predicate<String>) Names::isQualifiedNamePart),
        Arguments.of("label value", "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", (Predicate<String>) Names::isLabelValue),
        Arguments.of("config key", "[-._a-zA-Z0-9]+", (Predicate<String>) Names::isConfigKey),
        Arguments.of("env var name", "[-._a-zA-Z][-._a-zA-Z0-9]*", (Predicate<String>) Names::isEnvVarName),
        Arguments.of("IANA service name (the port-name syntax)", "[a-z0-9]([a-z0-9-]*[a-z0-9])*",
            (Predicate<String>) v -> Names.portName(v).stream().noneMatch(e -> e.startsWith("must contain only"))));
  }

  @ParameterizedTest(name = "{0} scan accepts exactly what /{1}/ matches")
  @MethodSource("scans")
  void scanAcceptsExactlyTheRegexLanguage(String what, String regex, Predicate<String> scan) {
    Pattern p = Pattern.compile(regex);
    List<String> differ = new ArrayList<>();
    List<String> all = new ArrayList<>(List.of(""));
    for (int len = 0, from = 0; len < 5; len++) {
      int to = all.size();
      for (int i = from; i < to; i++) {
        for (char c : ALPHABET.toCharArray()) {
          all.add(all.get(i) + c);
        }
      }
      from = to;
    }
    all.addAll(List.of("a".repeat(300), "a-b.c-d.e", "a..b", "a.-b", "a-.b", ".a", "a.", "-", "0", "ab--cd", "A_b.C-9"));
    for (String s : all) {
      if (scan.test(s) != p.matcher(s).matches()) {
        differ.add("'" + s.replace("\n", "\\n") + "' scan=" + scan.test(s));
      }
    }
    assertEquals(List.of(), differ, what);
    assertEquals(111_111, all.size() - 11, "every string of up to 5 characters was tried");
  }

  private static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
      + "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
      + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  private static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
      + "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
      + "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  private static final String NAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and "
      + "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
      + "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  private static final String VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, "
      + "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
      + "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

  static Stream<Arguments> edges() {
    Function<String, List<String>> label = Names::dns1123Label;
    Function<String, List<String>> subdomain = Names::dns1123Subdomain;
    Function<String, List<String>> key = Names::qualifiedName;
    Function<String, List<String>> value = Names::labelValue;
    return Stream.of(
        Arguments.of("label of 63 characters", label, "a".repeat(63), List.of()),
        Arguments.of("label of 64 characters", label, "a".repeat(64), List.of("must be no more than 63 characters")),
        Arguments.of("label of 64 characters ending with '-'", label, "a".repeat(63) + "-",
            List.of("must be no more than 63 characters", LABEL_MSG)),
        Arguments.of("empty label", label, "", List.of(LABEL_MSG)),
        Arguments.of("label starting with '-'", label, "-a", List.of(LABEL_MSG)),
        Arguments.of("label ending with '-'", label, "a-", List.of(LABEL_MSG)),
        Arguments.of("label with upper case", label, "aB", List.of(LABEL_MSG)),
        Arguments.of("label with '.'", label, "a.b", List.of(LABEL_MSG)),
        Arguments.of("label of digits", label, "123", List.of()),
        Arguments.of("subdomain of 253 characters", subdomain, ("a".repeat(63) + ".").repeat(3) + "a".repeat(61), List.of()),
        Arguments.of("subdomain of 254 characters", subdomain, "a".repeat(254), List.of("must be no more than 253 characters")),
        Arguments.of("subdomain starting with '.'", subdomain, ".a", List.of(SUBDOMAIN_MSG)),
        Arguments.of("subdomain ending with '.'", subdomain, "a.", List.of(SUBDOMAIN_MSG)),
        Arguments.of("subdomain with '..'", subdomain, "a..b", List.of(SUBDOMAIN_MSG)),
        Arguments.of("subdomain label ending with '-'", subdomain, "a-.b", List.of(SUBDOMAIN_MSG)),
        Arguments.of("subdomain label starting with '-'", subdomain, "a.-b", List.of(SUBDOMAIN_MSG)),
        Arguments.of("subdomain with upper case", subdomain, "Web.example", List.of(SUBDOMAIN_MSG)),
        Arguments.of("empty subdomain", subdomain, "", List.of(SUBDOMAIN_MSG)),
        Arguments.of("key with prefix", key, "app.kubernetes.io/Name_1", List.of()),
        Arguments.of("key name of 63 characters", key, "a".repeat(63), List.of()),
        Arguments.of("key name of 64 characters", key, "a".repeat(64), List.of("name part must be no more than 63 characters")),
        Arguments.of("key with empty prefix", key, "/name", List.of("prefix part must be non-empty")),
        Arguments.of("key with empty name", key, "example.com/", List.of("name part must be non-empty", NAME_PART_MSG)),
        Arguments.of("key with upper-case prefix", key, "Example.com/x", List.of("prefix part " + SUBDOMAIN_MSG)),
        Arguments.of("key with a prefix of 254 characters", key, "a".repeat(254) + "/x",
            List.of("prefix part must be no more than 253 characters")),
        Arguments.of("key name starting with '.'", key, ".x", List.of(NAME_PART_MSG)),
        Arguments.of("key name ending with '_'", key, "x_", List.of(NAME_PART_MSG)),
        Arguments.of("key with two slashes", key, "a/b/c", List.of("a qualified name must consist of alphanumeric "
            + "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
            + "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an "
            + "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")),
        Arguments.of("empty label value", value, "", List.of()),
        Arguments.of("label value of 63 characters", value, "V".repeat(63), List.of()),
        Arguments.of("label value of 64 characters", value, "v".repeat(64), List.of("must be no more than 63 characters")),
        Arguments.of("label value ending with '-'", value, "v-", List.of(VALUE_MSG)),
        Arguments.of("label value with '/'", value, "a/b", List.of(VALUE_MSG)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edges")
  void edgesGiveKubernetesMessages(String name, Function<String, List<String>> check, String input, List<String> want) {
    assertEquals(want, check.apply(input));
  }

  @Test
  void portNamesAndEnvNamesAndConfigKeysAtTheirEdges() {
    assertEquals(List.of(), Names.portName("http-2"));
    assertEquals(List.of("must not contain consecutive hyphens"), Names.portName("a--b"));
    assertEquals(List.of("must contain at least one letter (a-z)"), Names.portName("8080"));
    assertEquals(List.of("must be no more than 15 characters"), Names.portName("a".repeat(16)));
    assertEquals(List.of("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"), Names.portName("-ab"));
    assertEquals(List.of(), Names.envVarName("_MY.var-1"));
    assertEquals(1, Names.envVarName("1ABC").size());
    assertEquals(List.of("must not be '..'"), Names.configMapKey(".."));
    assertEquals(List.of("must not start with '..'"), Names.configMapKey("..a"));
    assertEquals(1, Names.configMapKey("a b").size());
  }
}
