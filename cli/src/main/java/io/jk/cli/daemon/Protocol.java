package io.jk.cli.daemon;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire protocol between the {@code jkctl} C client ({@code cli/src/main/c/jkctl.c}) and the
 * daemon, on a Unix stream socket. Every message is a frame: one type byte, a 4-byte big-endian
 * payload length, the payload.
 *
 * <pre>
 * client                                      daemon
 *   Q request: magic, build id, kind (run|status|stop), cwd, tty flags, columns, argv, environment
 *                                              B busy | M other build id | F refused   (client runs the JVM itself)
 *                                              A accepted
 *   G go: the client commits (from here on it never runs the command itself); a client that
 *     got no A in time closes instead, and the daemon then never runs the command
 *                                              1 stdout bytes | 2 stderr bytes
 *                                              R wants up to N bytes of stdin (u32)
 *   I stdin bytes (empty: end of input)
 *                                              X exit code (u32), then close
 * </pre>
 *
 * Strings are a u32 length and UTF-8 bytes. Counts and flags are u32.
 */
final class Protocol {

  static final String MAGIC = "jkctl-daemon/1";

  static final byte REQUEST = 'Q';
  static final byte STDIN = 'I';
  static final byte GO = 'G';
  static final byte ACCEPTED = 'A';
  static final byte BUSY = 'B';
  static final byte MISMATCH = 'M';
  static final byte REFUSED = 'F';
  static final byte STDOUT = '1';
  static final byte STDERR = '2';
  static final byte READ = 'R';
  static final byte EXIT = 'X';

  /** The largest request (argv and environment) accepted. */
  static final int MAX_REQUEST = 4 << 20;
  /** The largest stdin frame accepted. */
  static final int MAX_STDIN = 1 << 20;

  /** tty flag bits of a request. */
  static final int STDIN_TTY = 1;
  static final int STDOUT_TTY = 2;
  static final int STDERR_TTY = 4;

  private Protocol() {}

  /** A frame read from the socket. */
  record Frame(byte type, byte[] payload) {}

  /**
   * A parsed request.
   *
   * @param kind run, status or stop
   * @param cwd the client's working directory (absolute)
   * @param ttys {@link #STDIN_TTY} | {@link #STDOUT_TTY} | {@link #STDERR_TTY}
   * @param columns the terminal width, 0 when unknown
   */
  record Request(String magic, String buildId, String kind, String cwd, int ttys, int columns, List<String> args,
      List<String> env) {}

  /** Reads one frame, or throws {@link EOFException} at the end of the stream. */
  static Frame read(SocketChannel ch, int maxPayload) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(5);
    fill(ch, head);
    head.flip();
    byte type = head.get();
    int len = head.getInt();
    if (len < 0 || len > maxPayload) {
      throw new IOException("frame of " + Integer.toUnsignedString(len) + " bytes (type " + (char) type
          + ") is over the limit of " + maxPayload);
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    fill(ch, body);
    return new Frame(type, body.array());
  }

  private static void fill(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new EOFException("the client closed the connection");
      }
    }
  }

  /** Writes one frame (the caller serializes writers). */
  static void write(SocketChannel ch, byte type, byte[] payload, int off, int len) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(5).put(type).putInt(len).flip();
    ByteBuffer body = ByteBuffer.wrap(payload, off, len);
    ByteBuffer[] both = {head, body};
    while (head.hasRemaining() || body.hasRemaining()) {
      ch.write(both);
    }
  }

  /** A u32 payload. */
  static byte[] u32(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  /** Decodes a request payload; throws {@link IOException} on a malformed one. */
  static Request parseRequest(byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      String magic = string(b);
      if (!MAGIC.equals(magic)) {
        return new Request(magic, "", "", "", 0, 0, List.of(), List.of());
      }
      String build = string(b);
      String kind = string(b);
      String cwd = string(b);
      int ttys = b.getInt();
      int columns = b.getInt();
      List<String> args = strings(b);
      List<String> env = strings(b);
      return new Request(magic, build, kind, cwd, ttys, columns, args, env);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException("truncated request");
    }
  }

  private static List<String> strings(ByteBuffer b) throws IOException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining() / 4) {
      throw new IOException("bad count " + n);
    }
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(string(b));
    }
    return out;
  }

  private static String string(ByteBuffer b) throws IOException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IOException("bad string length " + n);
    }
    String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }
}
