package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pods/attach} in discovery and its WebSocket upgrade (a GET, as kubectl 1.32 sends it; a POST is
 * SPDY's, which jk does not serve, as for exec).
 */
class PodAttachApiTest {

  static ServerFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
    f.post("/api/v1/namespaces/default/pods",
        "{\"metadata\":{\"name\":\"unplaced\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  @Test
  void discoveryListsPodsAttach() throws Exception {
    JsonNode attach = null;
    for (JsonNode r : f.get("/api/v1").json().path("resources")) {
      if (r.path("name").asText().equals("pods/attach")) {
        attach = r;
      }
    }
    assertTrue(attach != null, "pods/attach is listed");
    assertEquals("PodAttachOptions", attach.path("kind").asText());
    assertTrue(attach.path("verbs").toString().contains("\"create\""), attach.toString());
  }

  @Test
  void attachWithoutAnUpgradeIsABadRequestStatus() throws Exception {
    ServerFixture.Res r = f.get("/api/v1/namespaces/default/pods/unplaced/attach?stdout=true");
    assertEquals(400, r.code(), r.text());
    assertEquals("Status", r.json().path("kind").asText(), r.text());
  }

  @ParameterizedTest(name = "upgrade with [{0}]")
  @ValueSource(strings = {"", "Content-Length: 0\r\n"})
  void attachUpgradeReportsAnUnplacedPodAsAStatusOnChannel3(String extra) throws Exception {
    try (Socket s = new Socket("127.0.0.1", f.server.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /api/v1/namespaces/default/pods/unplaced/attach?stdout=true&stdin=true HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\n" + extra + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          break;
        }
        head.write(c);
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      assertTrue(h.startsWith("HTTP/1.1 101 Switching Protocols"), h);
      assertEquals(0x82, in.read(), "a final binary frame");
      int len = in.read() & 0x7f;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      }
      byte[] payload = in.readNBytes(len);
      assertEquals(3, payload[0], "the error channel");
      JsonNode status = Json.mapper().readTree(Arrays.copyOfRange(payload, 1, payload.length));
      assertEquals("Failure", status.path("status").asText(), status.toString());
      assertEquals("pod unplaced does not have a host assigned", status.path("message").asText(), status.toString());
    }
  }
}
