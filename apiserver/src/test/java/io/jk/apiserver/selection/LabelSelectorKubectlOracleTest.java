package io.jk.apiserver.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jk.apiserver.patch.KubectlOracle;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link LabelSelector#parse} against Kubernetes' parser compiled into kubectl, which
 * validates {@code -l} before it contacts a server: a selector kubectl refuses must be refused
 * with the same message, one it accepts must parse. The kubeconfig points at a closed loopback
 * port, so accepted selectors end in a refused connection. Skipped without kubectl.
 */
class LabelSelectorKubectlOracleTest {

  private static final String REFUSED = "\" is not valid: ";
  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("jk-selector-oracle");
    KubectlOracle.writeKubeconfig(dir);
    Files.writeString(dir.resolve("cm.json"),
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}}");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile)
            .forEach(File::delete);
      }
    }
  }

  static Stream<String> selectors() {
    return Stream.concat(
        Stream.of(LabelSelectorTest.matching(), LabelSelectorTest.canonical(),
            LabelSelectorTest.errors()).flatMap(s -> s).map(a -> (String) a.get()[1]),
        Stream.of("a=b$", "a in ()", "a notin (,x)", "in in (in)", "a=in", "x/y=z", "A_b.c-d",
            "a!=", "a=((", "a,,b", "!a=b", "a in (x y)", "a=b b=c", "a==", "a>", "a<1,a>-1",
            "a@b", "a in (x,,y)", "a in (,)", "!", "a!", "a=b,!c,d notin (e)", "a=>b",
            "example.com/a=b", "Example.com/a=b", "/a=b", "a/=b", "a=" + "x".repeat(64),
            "x".repeat(64), "a in (b)c", "a/b/c=d", "-" + "x".repeat(70) + "=v",
            "a=-" + "x".repeat(70), "a.b/" + "c".repeat(64), "A.b/c"))
        .filter(s -> !s.isBlank()); // kubectl ignores an empty -l
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("selectors")
  void parsesAsKubernetes(String selector) throws Exception {
    KubectlOracle.assumeInstalled();
    KubectlOracle.Run r = KubectlOracle.run(dir, "get", "-f", dir.resolve("cm.json").toString(),
        "-l", selector);
    String out = r.out() + r.err();
    int at = out.indexOf(REFUSED);
    if (at < 0) {
      LabelSelector.parse(selector); // accepted by Kubernetes: must parse here
      return;
    }
    String theirs = out.substring(at + REFUSED.length()).strip();
    SelectorException ours = assertThrows(SelectorException.class,
        () -> LabelSelector.parse(selector));
    assertEquals(theirs, ours.getMessage());
  }

}
