package io.jk.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The create reply's JSON built from the stored bytes must equal serializing the decoded object. */
class ObjectsTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"y\"}},\"spec\":{}}",
      "{\"spec\":{\"metadata\":{\"name\":\"inner\"}},\"metadata\":{\"name\":\"a\"}}",
      "{\"kind\":\"ConfigMap\",\"metadata\":{},\"data\":{\"k\":\"}\\\"{metadata\\\":{\"}}",
      "{\"data\":{\"metadata\":\"x\"},\"metadata\":{\"annotations\":{\"a\\\\\":\"\\\\\"},\"name\":\"q\"}}",
      "{\"metadata\":{\"managedFields\":[{\"fieldsV1\":{\"f:metadata\":{}}}],\"name\":\"é\"}}",
  })
  void addsTheVersionExactlyWhereSerializingTheDecodedObjectPutsIt(String stored) throws Exception {
    byte[] bytes = stored.getBytes(StandardCharsets.UTF_8);
    ObjectNode decoded = Objects.decode(bytes, 42);
    assertArrayEquals(Json.mapper().writeValueAsBytes(decoded), Objects.withVersion(bytes, 42),
        () -> new String(Objects.withVersion(bytes, 42), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"kind\":\"Pod\"}", "{\"metadata\":\"x\"}", "{\"a\":{\"metadata\":{}}}"})
  void givesUpWithoutATopLevelMetadataObject(String stored) {
    assertNull(Objects.withVersion(stored.getBytes(StandardCharsets.UTF_8), 1));
  }
}
