package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile and malformed requests get the right Status, never a 500 or a stack trace, and the server keeps serving. */
class BadInputTest {

  static ServerFixture f;
  static final String CMS = "/api/v1/namespaces/default/configmaps";

  @BeforeAll
  static void up() throws Exception {
    // a tiny unknown-field finder standing in for the resources helper's schema-based one
    f = new ServerFixture(c -> c.withUnknownFields((type, obj) -> {
      List<String> unknown = new ArrayList<>();
      obj.fieldNames().forEachRemaining(n -> {
        if (!List.of("apiVersion", "kind", "metadata", "data", "binaryData", "immutable", "spec", "status").contains(n)) {
          unknown.add(n);
        }
      });
      obj.path("spec").fieldNames().forEachRemaining(n -> {
        if (n.equals("foo")) {
          unknown.add("spec.foo");
        }
      });
      return unknown;
    }));
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  static String nested(int depth) {
    return "{\"metadata\":{\"name\":\"deep\"},\"data\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
  }

  static String aliasBomb() {
    StringBuilder b = new StringBuilder("metadata: {name: bomb}\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; c++) {
      b.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 9; i++) {
        b.append(i == 0 ? "" : ",").append('*').append(prev);
      }
      b.append("]\n");
      prev = c;
    }
    return b.toString();
  }

  static Stream<Arguments> corpus() {
    return Stream.of(
        Arguments.of("malformed JSON", "POST", CMS, "application/json", "{\"metadata\":", 400, "BadRequest"),
        Arguments.of("JSON that is not an object", "POST", CMS, "application/json", "[1,2]", 400, "BadRequest"),
        Arguments.of("malformed YAML", "POST", CMS, "application/yaml", "metadata: [unclosed\n  - x: : :", 400, "BadRequest"),
        Arguments.of("YAML alias bomb", "POST", CMS, "application/yaml", aliasBomb(), 400, "BadRequest"),
        Arguments.of("10,000-deep nesting", "POST", CMS, "application/json", nested(10_000), 400, "BadRequest"),
        Arguments.of("body over 3 MiB", "POST", CMS, "application/json",
            "{\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}}", 413, "RequestEntityTooLarge"),
        Arguments.of("unknown field under Strict", "POST", CMS + "?fieldValidation=Strict", "application/json",
            "{\"metadata\":{\"name\":\"strict\"},\"spec\":{\"foo\":1}}", 400, "BadRequest"),
        Arguments.of("wrong content type", "POST", CMS, "text/plain", "hello", 415, "UnsupportedMediaType"),
        Arguments.of("wrong kind for the path", "POST", CMS, "application/json",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"}}", 400, "BadRequest"),
        Arguments.of("unknown resource", "GET", "/api/v1/namespaces/default/widgets", null, null, 404, "NotFound"),
        Arguments.of("unknown group", "GET", "/apis/example.com/v1/things", null, null, 404, "NotFound"),
        Arguments.of("unknown verb", "POST", CMS + "/x/status", "application/json", "{}", 404, "NotFound"),
        Arguments.of("method not allowed", "PUT", CMS, "application/json", "{}", 405, "MethodNotAllowed"),
        Arguments.of("invalid name", "POST", CMS, "application/json", "{\"metadata\":{\"name\":\"Bad_Name\"}}", 422, "Invalid"),
        Arguments.of("invalid label selector", "GET", CMS + "?labelSelector=a%20in%20(", null, null, 400, "BadRequest"),
        Arguments.of("unsupported field selector", "GET", CMS + "?fieldSelector=spec.nope%3D1", null, null, 400, "BadRequest"),
        Arguments.of("bad watch resourceVersion", "GET", CMS + "?watch=true&resourceVersion=abc", null, null, 400, "BadRequest"),
        Arguments.of("bad continue token", "GET", CMS + "?limit=1&continue=notbase64!!", null, null, 400, "BadRequest"),
        Arguments.of("bad json patch", "PATCH", "/api/v1/namespaces/default/services/kubernetes", "application/json-patch+json",
            "{\"op\":1}", 400, "BadRequest"),
        Arguments.of("bad propagation policy", "DELETE", CMS + "/x", "application/json", "{\"propagationPolicy\":\"Sometimes\"}", 400,
            "BadRequest"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void answersWithStatusAndKeepsServing(String name, String method, String path, String contentType, String body,
      int code, String reason) throws Exception {
    ServerFixture.Res r;
    try {
      r = f.send(method, path, contentType, body, "application/json");
    } catch (java.io.IOException e) {
      // the server may close the connection after a 413 while the client still sends
      assertEquals(413, code, name + ": " + e);
      r = null;
    }
    if (r != null) {
      assertEquals(code, r.code(), name + ": " + r.text());
      assertEquals("Status", r.json().path("kind").asText(), r.text());
      assertEquals(reason, r.json().path("reason").asText(), r.text());
      assertFalse(r.text().contains("\tat "), "no stack trace in " + r.text());
      assertFalse(r.text().contains("Exception"), "no exception names in " + r.text());
    }
    assertEquals(200, f.get("/api/v1/namespaces/default/configmaps").code());
  }

  @org.junit.jupiter.api.Test
  void strictMessageAndWarnHeader() throws Exception {
    ServerFixture.Res strict = f.send("POST", CMS + "?fieldValidation=Strict", "application/json",
        "{\"metadata\":{\"name\":\"s1\"},\"spec\":{\"foo\":1}}", null);
    assertEquals("strict decoding error: unknown field \"spec.foo\"", strict.json().path("message").asText());
    ServerFixture.Res warn = f.send("POST", CMS + "?fieldValidation=Warn", "application/json",
        "{\"metadata\":{\"name\":\"w1\"},\"spec\":{\"foo\":1}}", null);
    assertEquals(201, warn.code());
    assertTrue(warn.header("Warning").contains("unknown field \\\"spec.foo\\\""), warn.header("Warning"));
  }
}
