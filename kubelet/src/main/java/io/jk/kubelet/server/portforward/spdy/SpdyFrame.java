package io.jk.kubelet.server.portforward.spdy;

import java.util.List;
import java.util.Map;

/**
 * One SPDY/3.1 frame, the subset {@code kubectl port-forward} (Go's spdystream) exchanges. Stream
 * ids are 31-bit; {@code fin} is FLAG_FIN (the sender's last frame on that stream).
 */
public sealed interface SpdyFrame {

  /** SPDY version carried by every control frame. */
  int VERSION = 3;

  /** Bytes of one stream. */
  record Data(int streamId, boolean fin, byte[] data) implements SpdyFrame {}

  /** Opens a stream. */
  record SynStream(int streamId, int associatedStreamId, int priority, boolean fin, boolean unidirectional,
      Map<String, String> headers) implements SpdyFrame {}

  /** Accepts a stream the peer opened. */
  record SynReply(int streamId, boolean fin, Map<String, String> headers) implements SpdyFrame {}

  /** Aborts a stream; {@code status} is one of the RST_STREAM codes (5 = CANCEL). */
  record RstStream(int streamId, int status) implements SpdyFrame {
    /** RST_STREAM status PROTOCOL_ERROR. */
    public static final int PROTOCOL_ERROR = 1;
    /** RST_STREAM status INVALID_STREAM. */
    public static final int INVALID_STREAM = 2;
    /** RST_STREAM status CANCEL. */
    public static final int CANCEL = 5;
  }

  /** Connection settings: id, flags and value of each entry. */
  record Settings(boolean clearSettings, List<Setting> entries) implements SpdyFrame {
    /** One SETTINGS entry. */
    public record Setting(int id, int flags, int value) {}
  }

  /** A ping; the receiver echoes the same id. */
  record Ping(int id) implements SpdyFrame {}

  /** The sender ends the connection after {@code lastGoodStreamId}. */
  record GoAway(int lastGoodStreamId, int status) implements SpdyFrame {}

  /** More headers on an open stream. */
  record Headers(int streamId, boolean fin, Map<String, String> headers) implements SpdyFrame {}

  /** Flow-control credit for a stream (0: the connection). */
  record WindowUpdate(int streamId, int delta) implements SpdyFrame {}
}
