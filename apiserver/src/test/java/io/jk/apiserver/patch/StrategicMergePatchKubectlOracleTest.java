package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link StrategicMergePatch} against Kubernetes' own implementation: every case of
 * {@link StrategicMergePatchTest} for a built-in kind is also applied by
 * {@code kubectl patch --local --type strategic} (which runs client-go's strategicpatch code and
 * needs no server), and both results must agree. Skipped where kubectl is not installed.
 */
class StrategicMergePatchKubectlOracleTest {

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("jk-smp-oracle");
    // a kubeconfig to a closed loopback port: --local never connects, but kubectl wants one
    Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n"
        + "clusters: [{name: c, cluster: {server: \"http://127.0.0.1:1\"}}]\n"
        + "contexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n");
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

  static Stream<Arguments> builtInCases() {
    return StrategicMergePatchTest.cases().filter(a -> !a.get()[2].equals("Widget"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("builtInCases")
  void agreesWithKubectl(String name, String apiVersion, String kind, String original,
      String patch, String want) throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed");
    ObjectNode obj = (ObjectNode) json(original);
    obj.put("apiVersion", apiVersion);
    obj.put("kind", kind);
    obj.with("metadata").put("name", "oracle");
    Path file = dir.resolve("obj.json");
    Files.writeString(file, obj.toString());

    Process p = new ProcessBuilder("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(),
        "patch", "--local", "-f", file.toString(), "--type", "strategic", "-o", "json",
        "-p", json(patch).toString())
        .redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(20, TimeUnit.SECONDS), "kubectl hung");
    assertEquals(0, p.exitValue(), "kubectl failed: " + err);
    JsonNode theirs = Json.mapper().readTree(out);

    JsonNode ours = StrategicMergePatch.apply(obj, json(patch),
        StrategicMergePatchTest.schemaOf(apiVersion, kind));
    // what a server stores after decoding into the Go types: omitempty drops empty maps and
    // lists, and a null becomes the zero value (kubectl --local prints the raw map)
    assertEquals(withoutEmpty(theirs), withoutEmpty(ours));
  }

  static Stream<Arguments> malformedButUnknownDirective() {
    // jk refuses "$frob" outright; Kubernetes stores it and then fails strict field validation
    return StrategicMergePatchTest.malformed()
        .filter(a -> !a.get()[0].equals("unknown directive"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedButUnknownDirective")
  void refusesWhatKubectlRefuses(String name, String patch, int code) throws Exception {
    assumeTrue(onPath("kubectl"), "kubectl is not installed");
    Path file = dir.resolve("obj.json");
    Files.writeString(file, StrategicMergePatchTest.MALFORMED_TARGET.replace('\'', '"')
        .replace("{\"metadata\":{", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
            + "\"metadata\":{\"name\":\"oracle\","));
    Process p = new ProcessBuilder("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(),
        "patch", "--local", "-f", file.toString(), "--type", "strategic", "-o", "json",
        "-p", json(patch).toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(20, TimeUnit.SECONDS), "kubectl hung");
    assertEquals(1, p.exitValue(), "kubectl accepted it: " + out);
  }

  private static JsonNode withoutEmpty(JsonNode n) {
    if (n.isObject()) {
      ObjectNode out = Json.mapper().createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode v = withoutEmpty(e.getValue());
        if (!v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
          out.set(e.getKey(), v);
        }
      }
      return out;
    }
    if (n.isArray()) {
      ArrayNode out = Json.mapper().createArrayNode();
      n.forEach(v -> out.add(withoutEmpty(v)));
      return out;
    }
    return n;
  }

  static boolean onPath(String cmd) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, cmd))) {
        return true;
      }
    }
    return false;
  }
}
