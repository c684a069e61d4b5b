package io.jk.kubelet.server.portforward.spdy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SPDY/3.1 framing: every frame type both ways, header compression across frames, frames cut anywhere. */
class SpdyFramerTest {

  private static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static Stream<Arguments> frames() {
    return Stream.of(
        Arguments.of("data with FIN", new SpdyFrame.Data(3, true, "hello".getBytes(StandardCharsets.UTF_8))),
        Arguments.of("empty data (a bare FIN)", new SpdyFrame.Data(5, true, new byte[0])),
        Arguments.of("SYN_STREAM of a data stream", new SpdyFrame.SynStream(1, 0, 0, false, false,
            headers("streamtype", "data", "port", "80", "requestid", "0"))),
        Arguments.of("unidirectional SYN_STREAM with FIN and priority", new SpdyFrame.SynStream(7, 1, 3, true, true,
            headers("streamtype", "error"))),
        Arguments.of("SYN_REPLY without headers", new SpdyFrame.SynReply(1, false, Map.of())),
        Arguments.of("HEADERS", new SpdyFrame.Headers(9, true, headers("x-multi", "a\0b"))),
        Arguments.of("RST_STREAM cancel", new SpdyFrame.RstStream(3, SpdyFrame.RstStream.CANCEL)),
        Arguments.of("SETTINGS", new SpdyFrame.Settings(true, List.of(new SpdyFrame.Settings.Setting(7, 1, 65536),
            new SpdyFrame.Settings.Setting(4, 0, 100)))),
        Arguments.of("PING", new SpdyFrame.Ping(0x7ffffffe)),
        Arguments.of("GOAWAY", new SpdyFrame.GoAway(11, 1)),
        Arguments.of("WINDOW_UPDATE", new SpdyFrame.WindowUpdate(3, 65536)));
  }

  @ParameterizedTest(name = "{0} comes out as it went in")
  @MethodSource("frames")
  void everyFrameTypeRoundTrips(String name, SpdyFrame frame) throws Exception {
    SpdyFramer client = new SpdyFramer();
    SpdyFramer server = new SpdyFramer();
    List<SpdyFrame> got = server.feed(client.encode(frame));
    assertEquals(1, got.size());
    assertSame(frame, got.get(0));
  }

  /** Records compare arrays by identity: compare data frames by content. */
  private static void assertSame(SpdyFrame want, SpdyFrame got) {
    if (want instanceof SpdyFrame.Data w && got instanceof SpdyFrame.Data g) {
      assertEquals(w.streamId(), g.streamId());
      assertEquals(w.fin(), g.fin());
      assertArrayEquals(w.data(), g.data());
    } else {
      assertEquals(want, got);
    }
  }

  @Test
  void headerBlocksShareOneCompressionStreamPerDirection() throws Exception {
    SpdyFramer client = new SpdyFramer();
    SpdyFramer server = new SpdyFramer();
    for (int i = 0; i < 50; i++) {
      Map<String, String> h = headers("streamtype", i % 2 == 0 ? "error" : "data", "port", "80", "requestid", "" + i / 2);
      List<SpdyFrame> got = server.feed(client.encode(new SpdyFrame.SynStream(2 * i + 1, 0, 0, false, false, h)));
      assertEquals(h, ((SpdyFrame.SynStream) got.get(0)).headers(), "block " + i);
    }
    byte[] first = new SpdyFramer().encode(new SpdyFrame.SynStream(1, 0, 0, false, false, headers("streamtype", "data",
        "port", "80", "requestid", "0")));
    byte[] later = client.encode(new SpdyFrame.SynStream(101, 0, 0, false, false, headers("streamtype", "data",
        "port", "80", "requestid", "0")));
    assertTrue(later.length < first.length, "a repeated block compresses against the stream's history: "
        + later.length + " < " + first.length);
  }

  @Test
  void theDictionaryIsSpdy3s() {
    byte[] d = HeaderBlockCodec.DICTIONARY;
    assertEquals(1423, d.length);
    assertArrayEquals(new byte[] {0, 0, 0, 7, 'o', 'p', 't', 'i', 'o', 'n', 's'}, java.util.Arrays.copyOf(d, 11));
    java.util.zip.Adler32 adler = new java.util.zip.Adler32();
    adler.update(d);
    // the dictionary id every SPDY/3 zlib stream names in its header (FDICT)
    assertEquals(0xe3c6a7c2L, adler.getValue());
  }

  @Test
  void framesCutAnywhereAndBatchedTogetherAllArrive() throws Exception {
    SpdyFramer client = new SpdyFramer();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    List<SpdyFrame> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      SpdyFrame f = i % 3 == 0 ? new SpdyFrame.SynStream(2 * i + 1, 0, 0, false, false, headers("requestid", "" + i))
          : i % 3 == 1 ? new SpdyFrame.Data(2 * i + 1, false, ("chunk-" + i).repeat(i).getBytes(StandardCharsets.UTF_8))
          : new SpdyFrame.Ping(i);
      sent.add(f);
      wire.writeBytes(client.encode(f));
    }
    byte[] all = wire.toByteArray();
    for (int cut : new int[] {1, 3, 7, 64, all.length}) {
      SpdyFramer server = new SpdyFramer(); // a fresh connection each pass: header compression is per connection
      List<SpdyFrame> got = new ArrayList<>();
      for (int pos = 0; pos < all.length; pos += cut) {
        got.addAll(server.feed(java.util.Arrays.copyOfRange(all, pos, Math.min(all.length, pos + cut))));
      }
      assertEquals(sent.size(), got.size(), "pieces of " + cut);
      for (int i = 0; i < sent.size(); i++) {
        assertSame(sent.get(i), got.get(i));
      }
    }
  }

  @Test
  void unknownControlFramesAreSkipped() throws Exception {
    byte[] unknown = {(byte) 0x80, 3, 0, 42, 0, 0, 0, 2, 1, 2};
    byte[] ping = new SpdyFramer().encode(new SpdyFrame.Ping(1));
    byte[] both = java.util.Arrays.copyOf(unknown, unknown.length + ping.length);
    System.arraycopy(ping, 0, both, unknown.length, ping.length);
    assertEquals(List.of(new SpdyFrame.Ping(1)), new SpdyFramer().feed(both));
  }

  @Test
  void brokenInputIsAProtocolErrorNotACrash() {
    assertThrows(SpdyProtocolException.class, () -> new SpdyFramer().feed(new byte[] {(byte) 0x80, 2, 0, 6, 0, 0, 0, 4,
        0, 0, 0, 1}), "SPDY/2 is refused");
    assertThrows(SpdyProtocolException.class, () -> new SpdyFramer().feed(new byte[] {0, 0, 0, 1, 0, 0x7f, 0, 0}),
        "a frame larger than the limit");
    assertThrows(SpdyProtocolException.class, () -> new SpdyFramer().feed(new byte[] {(byte) 0x80, 3, 0, 1, 0, 0, 0,
        14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), "a header block that is not zlib");
    assertThrows(SpdyProtocolException.class, () -> new SpdyFramer().feed(new byte[] {(byte) 0x80, 3, 0, 6, 0, 0, 0, 2,
        0, 0}), "a PING too short");
  }
}
