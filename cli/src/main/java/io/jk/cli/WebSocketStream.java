package io.jk.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * The client side of an open WebSocket (RFC 6455) on a connection {@link HttpConnection#upgrade}
 * made: whole binary messages out (masked, as clients must) and in, pings answered, close
 * handled. One thread reads; any thread may send.
 *
 * <p>jkctl speaks WebSocket itself rather than through {@code java.net.http.WebSocket}: the JDK's
 * client sends {@code Content-Length: 0} in its opening handshake, which servers such as Vert.x
 * take as a request already read to its end, no longer upgradable.
 */
final class WebSocketStream implements AutoCloseable {

  private static final int OP_CONTINUATION = 0;
  private static final int OP_TEXT = 1;
  private static final int OP_BINARY = 2;
  private static final int OP_CLOSE = 8;
  private static final int OP_PING = 9;
  private static final int OP_PONG = 10;
  /** Largest message accepted from the server. */
  private static final int MAX_MESSAGE = 16 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String protocol;
  private final SecureRandom random = new SecureRandom();
  private boolean closeSent;

  WebSocketStream(Socket socket, InputStream in, OutputStream out, String protocol) {
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.protocol = protocol;
  }

  /** The subprotocol the server chose ({@code Sec-WebSocket-Protocol}), or empty. */
  String protocol() {
    return protocol;
  }

  /** Sends one binary message. */
  void sendBinary(byte[] payload) throws IOException {
    send(OP_BINARY, payload);
  }

  private synchronized void send(int opcode, byte[] payload) throws IOException {
    if (closeSent) {
      throw new IOException("WebSocket closed");
    }
    int n = payload.length;
    ByteArrayOutputStream f = new ByteArrayOutputStream(n + 14);
    f.write(0x80 | opcode);
    if (n < 126) {
      f.write(0x80 | n);
    } else if (n < 65536) {
      f.write(0x80 | 126);
      f.write(n >>> 8);
      f.write(n);
    } else {
      f.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        f.write((int) ((long) n >>> shift));
      }
    }
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    f.writeBytes(mask);
    for (int i = 0; i < n; i++) {
      f.write(payload[i] ^ mask[i & 3]);
    }
    if (opcode == OP_CLOSE) {
      closeSent = true;
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** The next whole data message, or null once the server closed the WebSocket (or the connection ended). */
  byte[] receive() throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    boolean inMessage = false;
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        return null;
      }
      int b1 = readByte();
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0f;
      long len = b1 & 0x7f;
      if (len == 126) {
        len = (long) readByte() << 8 | readByte();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = len << 8 | readByte();
        }
      }
      byte[] mask = null;
      if ((b1 & 0x80) != 0) {
        mask = in.readNBytes(4);
      }
      if (len > MAX_MESSAGE || message.size() + len > MAX_MESSAGE) {
        throw new IOException("WebSocket message larger than " + MAX_MESSAGE + " bytes");
      }
      byte[] payload = in.readNBytes((int) len);
      if (payload.length != len) {
        throw new EOFException("WebSocket frame cut short");
      }
      if (mask != null) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i & 3];
        }
      }
      switch (opcode) {
        case OP_PING -> send(OP_PONG, payload);
        case OP_PONG -> { }
        case OP_CLOSE -> {
          synchronized (this) {
            if (!closeSent) {
              try {
                send(OP_CLOSE, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
              } catch (IOException e) {
                // the server is gone already
              }
            }
          }
          return null;
        }
        case OP_TEXT, OP_BINARY, OP_CONTINUATION -> {
          if (opcode != OP_CONTINUATION && inMessage || opcode == OP_CONTINUATION && !inMessage) {
            throw new IOException("WebSocket frames out of order");
          }
          message.writeBytes(payload);
          inMessage = !fin;
          if (fin) {
            return message.toByteArray();
          }
        }
        default -> throw new IOException("unknown WebSocket opcode " + opcode);
      }
    }
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("WebSocket frame cut short");
    }
    return b;
  }

  /** Sends a normal close (if not sent yet) and closes the connection. */
  @Override
  public void close() {
    try {
      synchronized (this) {
        if (!closeSent) {
          send(OP_CLOSE, new byte[] {0x03, (byte) 0xe8});
        }
      }
    } catch (IOException e) {
      // closing anyway
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closed
    }
  }
}
