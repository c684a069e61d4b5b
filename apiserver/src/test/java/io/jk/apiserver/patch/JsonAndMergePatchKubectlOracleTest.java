package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link JsonPatch} and {@link MergePatch} against the libraries Kubernetes uses, through
 * {@code kubectl patch --local} (no server needed): the same results, and failures where ours
 * fail. Skipped where kubectl is not installed.
 */
class JsonAndMergePatchKubectlOracleTest {

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("jk-patch-oracle");
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

  /** kubectl's result, or null when it refused the patch. */
  private static JsonNode kubectl(JsonNode original, String type, JsonNode patch)
      throws Exception {
    KubectlOracle.assumeInstalled();
    Path file = dir.resolve("obj.json");
    Files.writeString(file, original.toString());
    KubectlOracle.Run r = KubectlOracle.run(dir, "patch", "--local", "-f", file.toString(),
        "--type", type, "-o", "json", "-p", patch.toString());
    return r.exit() == 0 ? Json.mapper().readTree(r.out()) : null;
  }

  private static ObjectNode typed(String doc) {
    ObjectNode obj = (ObjectNode) json(doc);
    obj.put("apiVersion", "v1");
    obj.put("kind", "ConfigMap");
    return obj;
  }

  static Stream<Arguments> jsonApplies() {
    // replacing the root drops apiVersion/kind, which kubectl cannot print
    return JsonPatchTest.applies().filter(a -> !a.get()[1].toString().contains("'path':''"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jsonApplies")
  void jsonPatchAgrees(String name, String patch, String want) throws Exception {
    ObjectNode original = typed(JsonPatchTest.DOC);
    assertEquals(kubectl(original, "json", json(patch)), JsonPatch.apply(original, json(patch)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.jk.apiserver.patch.JsonPatchTest#failures")
  void jsonPatchFailsWhereKubernetesFails(String name, String patch, int code) throws Exception {
    assertEquals(null, kubectl(typed(JsonPatchTest.DOC), "json", json(patch)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.jk.apiserver.patch.MergePatchTest#cases")
  void mergePatchAgrees(String name, String original, String patch, String want)
      throws Exception {
    ObjectNode obj = typed(original);
    JsonNode theirs = kubectl(obj, "merge", json(patch));
    assertNotEquals(null, theirs);
    assertEquals(theirs, MergePatch.apply(obj, json(patch)));
  }
}
