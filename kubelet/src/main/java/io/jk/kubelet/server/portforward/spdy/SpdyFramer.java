package io.jk.kubelet.server.portforward.spdy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes SPDY/3.1 frames over a byte stream: {@link #feed} takes bytes as they arrive
 * (a frame may be split over any number of chunks, a chunk may hold several frames) and returns
 * the frames completed; {@link #encode} makes the bytes of one frame. Header blocks go through
 * the connection's {@link HeaderBlockCodec}, so one framer serves one connection, and calls to
 * {@link #encode} must be made in the order their bytes are sent. Not thread-safe.
 *
 * <p>Layout (SPDY/3 section 2.2): a control frame is {@code 1|version(15) type(16) flags(8)
 * length(24) data}; a data frame is {@code 0|stream-id(31) flags(8) length(24) data}.
 */
public final class SpdyFramer {

  /** Frames larger than this are refused: kubectl's are at most 32 KiB of data. */
  public static final int MAX_FRAME_LENGTH = 1 << 20;
  static final int FLAG_FIN = 0x01;
  static final int FLAG_UNIDIRECTIONAL = 0x02;
  static final int TYPE_SYN_STREAM = 1;
  static final int TYPE_SYN_REPLY = 2;
  static final int TYPE_RST_STREAM = 3;
  static final int TYPE_SETTINGS = 4;
  static final int TYPE_PING = 6;
  static final int TYPE_GOAWAY = 7;
  static final int TYPE_HEADERS = 8;
  static final int TYPE_WINDOW_UPDATE = 9;

  private final HeaderBlockCodec headers = new HeaderBlockCodec();
  private byte[] pending = new byte[0];

  /**
   * Appends {@code bytes} to what was left over and returns every frame now complete, in order.
   * Unknown control frame types are skipped, as SPDY/3 requires.
   */
  public List<SpdyFrame> feed(byte[] bytes) throws SpdyProtocolException {
    byte[] all = pending.length == 0 ? bytes : concat(pending, bytes);
    List<SpdyFrame> out = new ArrayList<>();
    int pos = 0;
    while (all.length - pos >= 8) {
      int length = ((all[pos + 5] & 0xff) << 16) | ((all[pos + 6] & 0xff) << 8) | (all[pos + 7] & 0xff);
      if (length > MAX_FRAME_LENGTH) {
        throw new SpdyProtocolException("frame of " + length + " bytes is larger than " + MAX_FRAME_LENGTH);
      }
      if (all.length - pos < 8 + length) {
        break;
      }
      SpdyFrame f = decode(ByteBuffer.wrap(all, pos, 8 + length).slice());
      if (f != null) {
        out.add(f);
      }
      pos += 8 + length;
    }
    pending = pos == all.length ? new byte[0] : java.util.Arrays.copyOfRange(all, pos, all.length);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private SpdyFrame decode(ByteBuffer b) throws SpdyProtocolException {
    int first = b.getInt();
    int flags = b.get() & 0xff;
    int length = ((b.get() & 0xff) << 16) | ((b.get() & 0xff) << 8) | (b.get() & 0xff);
    boolean fin = (flags & FLAG_FIN) != 0;
    if (first >= 0) { // control bit clear: a data frame
      byte[] data = new byte[length];
      b.get(data);
      return new SpdyFrame.Data(first & 0x7fffffff, fin, data);
    }
    int version = (first >>> 16) & 0x7fff;
    int type = first & 0xffff;
    if (version != SpdyFrame.VERSION) {
      throw new SpdyProtocolException("unsupported SPDY version " + version);
    }
    try {
      return switch (type) {
        case TYPE_SYN_STREAM -> {
          need(length, 10, "SYN_STREAM");
          int id = b.getInt() & 0x7fffffff;
          int assoc = b.getInt() & 0x7fffffff;
          int priority = (b.get() & 0xff) >>> 5;
          b.get(); // slot
          yield new SpdyFrame.SynStream(id, assoc, priority, fin, (flags & FLAG_UNIDIRECTIONAL) != 0,
              headers.decompress(rest(b)));
        }
        case TYPE_SYN_REPLY -> {
          need(length, 4, "SYN_REPLY");
          int id = b.getInt() & 0x7fffffff;
          yield new SpdyFrame.SynReply(id, fin, headers.decompress(rest(b)));
        }
        case TYPE_HEADERS -> {
          need(length, 4, "HEADERS");
          int id = b.getInt() & 0x7fffffff;
          yield new SpdyFrame.Headers(id, fin, headers.decompress(rest(b)));
        }
        case TYPE_RST_STREAM -> {
          need(length, 8, "RST_STREAM");
          yield new SpdyFrame.RstStream(b.getInt() & 0x7fffffff, b.getInt());
        }
        case TYPE_SETTINGS -> {
          need(length, 4, "SETTINGS");
          int count = b.getInt();
          if (count < 0 || (long) count * 8 != length - 4) {
            throw new SpdyProtocolException("SETTINGS: " + count + " entries in " + length + " bytes");
          }
          List<SpdyFrame.Settings.Setting> entries = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            int idFlags = b.getInt();
            entries.add(new SpdyFrame.Settings.Setting(idFlags & 0xffffff, idFlags >>> 24, b.getInt()));
          }
          yield new SpdyFrame.Settings((flags & 0x01) != 0, entries);
        }
        case TYPE_PING -> {
          need(length, 4, "PING");
          yield new SpdyFrame.Ping(b.getInt());
        }
        case TYPE_GOAWAY -> {
          need(length, 8, "GOAWAY");
          yield new SpdyFrame.GoAway(b.getInt() & 0x7fffffff, b.getInt());
        }
        case TYPE_WINDOW_UPDATE -> {
          need(length, 8, "WINDOW_UPDATE");
          yield new SpdyFrame.WindowUpdate(b.getInt() & 0x7fffffff, b.getInt() & 0x7fffffff);
        }
        default -> null;
      };
    } catch (java.nio.BufferUnderflowException e) {
      throw new SpdyProtocolException("control frame type " + type + " is truncated");
    }
  }

  private static void need(int length, int min, String what) throws SpdyProtocolException {
    if (length < min) {
      throw new SpdyProtocolException(what + " of " + length + " bytes is too short");
    }
  }

  private static byte[] rest(ByteBuffer b) {
    byte[] r = new byte[b.remaining()];
    b.get(r);
    return r;
  }

  /** The bytes of {@code frame}, compressing its headers (if any) on this connection's stream. */
  public byte[] encode(SpdyFrame frame) {
    if (frame instanceof SpdyFrame.Data d) {
      ByteBuffer b = ByteBuffer.allocate(8 + d.data().length);
      b.putInt(d.streamId() & 0x7fffffff);
      putFlagsLength(b, d.fin() ? FLAG_FIN : 0, d.data().length);
      return b.put(d.data()).array();
    }
    if (frame instanceof SpdyFrame.SynStream s) {
      byte[] block = headers.compress(s.headers());
      ByteBuffer b = control(TYPE_SYN_STREAM, (s.fin() ? FLAG_FIN : 0) | (s.unidirectional() ? FLAG_UNIDIRECTIONAL : 0),
          10 + block.length);
      return b.putInt(s.streamId()).putInt(s.associatedStreamId()).put((byte) (s.priority() << 5)).put((byte) 0)
          .put(block).array();
    }
    if (frame instanceof SpdyFrame.SynReply r) {
      return withHeaders(TYPE_SYN_REPLY, r.streamId(), r.fin(), r.headers());
    }
    if (frame instanceof SpdyFrame.Headers h) {
      return withHeaders(TYPE_HEADERS, h.streamId(), h.fin(), h.headers());
    }
    if (frame instanceof SpdyFrame.RstStream r) {
      return control(TYPE_RST_STREAM, 0, 8).putInt(r.streamId()).putInt(r.status()).array();
    }
    if (frame instanceof SpdyFrame.Settings s) {
      ByteBuffer b = control(TYPE_SETTINGS, s.clearSettings() ? 1 : 0, 4 + 8 * s.entries().size());
      b.putInt(s.entries().size());
      s.entries().forEach(e -> b.putInt((e.flags() << 24) | (e.id() & 0xffffff)).putInt(e.value()));
      return b.array();
    }
    if (frame instanceof SpdyFrame.Ping p) {
      return control(TYPE_PING, 0, 4).putInt(p.id()).array();
    }
    if (frame instanceof SpdyFrame.GoAway g) {
      return control(TYPE_GOAWAY, 0, 8).putInt(g.lastGoodStreamId()).putInt(g.status()).array();
    }
    SpdyFrame.WindowUpdate w = (SpdyFrame.WindowUpdate) frame;
    return control(TYPE_WINDOW_UPDATE, 0, 8).putInt(w.streamId()).putInt(w.delta()).array();
  }

  private byte[] withHeaders(int type, int streamId, boolean fin, Map<String, String> h) {
    byte[] block = headers.compress(h);
    return control(type, fin ? FLAG_FIN : 0, 4 + block.length).putInt(streamId).put(block).array();
  }

  private static ByteBuffer control(int type, int flags, int length) {
    ByteBuffer b = ByteBuffer.allocate(8 + length);
    b.putInt(0x80000000 | (SpdyFrame.VERSION << 16) | type);
    putFlagsLength(b, flags, length);
    return b;
  }

  private static void putFlagsLength(ByteBuffer b, int flags, int length) {
    b.putInt((flags << 24) | length);
  }

  /** Frees the header compressors. */
  public void close() {
    headers.close();
  }
}
