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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebSocket upgrades as clients send them on the wire: some (the JDK's, among others) add
 * {@code Content-Length: 0} to the GET, which must upgrade like a GET without it.
 */
class WebSocketUpgradeTest {

  static ServerFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
    f.post("/api/v1/namespaces/default/pods",
        "{\"metadata\":{\"name\":\"unplaced\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    f.post("/api/v1/namespaces/default/configmaps", RestApiTest.cm("ws-cm", "", ""));
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  /** Sends a WebSocket upgrade GET with {@code extraHeaders} and returns the socket, response head read. */
  private static Socket upgrade(String path, String extraHeaders, StringBuilder head) throws IOException {
    Socket s = new Socket("127.0.0.1", f.server.port());
    s.setSoTimeout(10_000);
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
        + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.write(c);
    }
    head.append(b.toString(StandardCharsets.ISO_8859_1));
    return s;
  }

  /** Reads one unmasked server frame's payload (lengths below 64 KiB). */
  private static byte[] frame(InputStream in) throws IOException {
    int b0 = in.read();
    int len = in.read() & 0x7f;
    if (len == 126) {
      len = (in.read() << 8) | in.read();
    }
    assertEquals(0x82, b0, "a final binary frame");
    return in.readNBytes(len);
  }

  @ParameterizedTest(name = "exec upgrade with [{0}]")
  @ValueSource(strings = {"", "Content-Length: 0\r\n"})
  void execUpgradeSwitchesProtocolsAndReportsTheErrorAsAStatusOnChannel3(String extra) throws Exception {
    StringBuilder head = new StringBuilder();
    try (Socket s = upgrade("/api/v1/namespaces/default/pods/unplaced/exec?command=ls&stdout=true", extra, head)) {
      assertTrue(head.toString().startsWith("HTTP/1.1 101 Switching Protocols"), head.toString());
      assertTrue(head.toString().toLowerCase().contains("sec-websocket-protocol: v5.channel.k8s.io"), head.toString());
      byte[] payload = frame(s.getInputStream());
      assertEquals(3, payload[0], "the error channel");
      JsonNode status = Json.mapper().readTree(Arrays.copyOfRange(payload, 1, payload.length));
      assertEquals("Failure", status.path("status").asText(), status.toString());
      assertTrue(status.path("message").asText().contains("does not have a host assigned"), status.toString());
    }
  }

  @ParameterizedTest(name = "watch upgrade with [{0}]")
  @ValueSource(strings = {"", "Content-Length: 0\r\n"})
  void watchUpgradeIsAnsweredAsAChunkedWatchWithTheCurrentState(String extra) throws Exception {
    StringBuilder head = new StringBuilder();
    try (Socket s = upgrade("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1", extra,
        head)) {
      assertTrue(head.toString().startsWith("HTTP/1.1 200 OK"), head.toString());
      // the chunked stream up to its last (empty) chunk, after timeoutSeconds
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      for (int c; !b.toString(StandardCharsets.UTF_8).endsWith("\r\n0\r\n\r\n") && (c = in.read()) >= 0;) {
        b.write(c);
      }
      String body = b.toString(StandardCharsets.UTF_8);
      assertTrue(body.contains("\"type\":\"ADDED\"") && body.contains("\"name\":\"ws-cm\""), body);
    }
  }
}
