package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
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
    KubectlOracle.writeKubeconfig(dir);
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
    KubectlOracle.assumeInstalled();
    ObjectNode obj = (ObjectNode) json(original);
    obj.put("apiVersion", apiVersion);
    obj.put("kind", kind);
    obj.with("metadata").put("name", "oracle");
    Path file = dir.resolve("obj.json");
    Files.writeString(file, obj.toString());

    KubectlOracle.Run r = KubectlOracle.run(dir, "patch", "--local", "-f", file.toString(),
        "--type", "strategic", "-o", "json", "-p", json(patch).toString());
    assertEquals(0, r.exit(), "kubectl failed: " + r.err());
    JsonNode theirs = Json.mapper().readTree(r.out());

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
    KubectlOracle.assumeInstalled();
    Path file = dir.resolve("obj.json");
    Files.writeString(file, StrategicMergePatchTest.MALFORMED_TARGET.replace('\'', '"')
        .replace("{\"metadata\":{", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
            + "\"metadata\":{\"name\":\"oracle\","));
    KubectlOracle.Run r = KubectlOracle.run(dir, "patch", "--local", "-f", file.toString(),
        "--type", "strategic", "-o", "json", "-p", json(patch).toString());
    assertEquals(1, r.exit(), "kubectl accepted it: " + r.out());
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

}
