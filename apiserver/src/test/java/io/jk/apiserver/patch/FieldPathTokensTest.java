package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The k: and v: tokens of managedFields are exactly Jackson's JSON of the key, however it is built. */
class FieldPathTokensTest {

  static Stream<String> values() {
    return Stream.of("'web'", "''", "8080", "-1", "9223372036854775807", "18446744073709551616", "1.5", "true",
        "null", "'with \\\"quote'", "'back\\\\slash'", "'tab\\there'", "'caf\\u00e9'", "'\\u007f'", "'a/b c~d'",
        "{'a':1}", "['x']");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void keyTokenIsTheJsonOfTheKeyObject(String value) {
    JsonNode v = json("{'v':" + value + "}").get("v");
    ObjectNode item = Json.mapper().createObjectNode();
    item.set("name", v);
    item.put("image", "x");
    ObjectNode key = Json.mapper().createObjectNode();
    key.set("name", v);
    assertEquals("k:" + key, FieldPath.key(item, "name"));
    assertEquals("v:" + v, FieldPath.value(v));
  }
}
