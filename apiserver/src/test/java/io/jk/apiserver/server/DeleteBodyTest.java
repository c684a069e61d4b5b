package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DELETE honours its DeleteOptions body in the encoding its Content-Type names. */
class DeleteBodyTest {

  static ServerFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  private static String configMap(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"}}";
  }

  @Test
  void protobufDeleteOptionsPreconditionsAreEnforced() throws Exception {
    ServerFixture.Res c = f.post("/api/v1/namespaces/default/configmaps", configMap("pb-delete"));
    assertEquals(201, c.code(), c.text());
    String rv = c.json().path("metadata").path("resourceVersion").asText();

    HttpResponse<String> stale = deleteProtobuf("pb-delete", deleteOptions("1" + rv));
    assertEquals(409, stale.statusCode(), stale.body());
    assertEquals(200, f.get("/api/v1/namespaces/default/configmaps/pb-delete").code(), "a stale precondition keeps it");

    HttpResponse<String> ok = deleteProtobuf("pb-delete", deleteOptions(rv));
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(404, f.get("/api/v1/namespaces/default/configmaps/pb-delete").code());
  }

  @Test
  void malformedProtobufDeleteBodyIsABadRequestAndDeletesNothing() throws Exception {
    assertEquals(201, f.post("/api/v1/namespaces/default/configmaps", configMap("pb-bad")).code());
    HttpResponse<String> r = deleteProtobuf("pb-bad", "{\"kind\":\"DeleteOptions\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(200, f.get("/api/v1/namespaces/default/configmaps/pb-bad").code());
  }

  @Test
  void jsonDeleteOptionsStillWork() throws Exception {
    assertEquals(201, f.post("/api/v1/namespaces/default/configmaps", configMap("json-delete")).code());
    ServerFixture.Res stale = f.delete("/api/v1/namespaces/default/configmaps/json-delete",
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"uid\":\"not-its-uid\"}}");
    assertEquals(409, stale.code(), stale.text());
    assertEquals(200, f.delete("/api/v1/namespaces/default/configmaps/json-delete",
        "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\"}").code());
  }

  private static HttpResponse<String> deleteProtobuf(String name, byte[] body) throws Exception {
    return f.http.send(HttpRequest.newBuilder(URI.create(f.url("/api/v1/namespaces/default/configmaps/" + name)))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/vnd.kubernetes.protobuf")
        .header("Accept", "application/json").method("DELETE", HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A DeleteOptions as client-go encodes it: k8s\0, then runtime.Unknown{typeMeta, raw}. */
  private static byte[] deleteOptions(String preconditionRv) {
    byte[] preconditions = field(2, preconditionRv.getBytes(StandardCharsets.UTF_8)); // Preconditions.resourceVersion
    byte[] options = field(2, preconditions); // DeleteOptions.preconditions
    ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
    typeMeta.writeBytes(field(1, "v1".getBytes(StandardCharsets.UTF_8)));
    typeMeta.writeBytes(field(2, "DeleteOptions".getBytes(StandardCharsets.UTF_8)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'k', '8', 's', 0});
    out.writeBytes(field(1, typeMeta.toByteArray()));
    out.writeBytes(field(2, options));
    return out.toByteArray();
  }

  /** One length-delimited protobuf field (short enough for one-byte tags and lengths). */
  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(number << 3 | 2);
    out.write(value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }
}
