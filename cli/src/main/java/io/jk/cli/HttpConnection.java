package io.jk.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 on one keep-alive connection, on the calling thread.
 *
 * <p>Why not {@code java.net.http.HttpClient}: its selector thread waits in native code, and a JVM
 * exit waits up to 300 ms for such threads to stop; it also starts more machinery than one
 * command needs. This client has no thread of its own: a request writes, the answer is read
 * (by length, chunked, or to the end of the connection), and the connection is kept for the
 * next request. A kept connection the server has closed meanwhile is reopened once.
 */
final class HttpConnection implements Closeable {

  /** An answer whose body is still to be read; closing it closes the connection. */
  record Streamed(int status, Map<String, String> headers, InputStream body) {}

  private final URI server;
  private final SSLSocketFactory tls;
  private final SSLParameters tlsParameters;
  private final int connectTimeoutMs;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  /**
   * A connection to {@code server} ({@code http://} or {@code https://host:port}), opened on the
   * first request.
   *
   * @param tls the TLS socket factory (null for plain HTTP)
   * @param tlsParameters endpoint identification and the like (null for plain HTTP)
   */
  HttpConnection(URI server, SSLSocketFactory tls, SSLParameters tlsParameters, int connectTimeoutMs) {
    this.server = server;
    this.tls = tls;
    this.tlsParameters = tlsParameters;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /** Sends a request and reads the whole answer; the status, headers (lower-case names) and body. */
  ApiClient.Response exchange(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
    Streamed s = open(method, path, headers, body, false);
    byte[] bytes = s.body().readAllBytes();
    s.body().close();
    return new ApiClient.Response(s.status(), new String(bytes, StandardCharsets.UTF_8),
        s.headers().getOrDefault("content-type", ""));
  }

  /**
   * Sends a request and returns the answer with its body unread (watches, followed logs). The
   * connection belongs to the stream from then on: closing the body closes it.
   */
  Streamed stream(String method, String path, Map<String, String> headers) throws IOException {
    return open(method, path, headers, null, true);
  }

  /**
   * The WebSocket opening handshake (RFC 6455 section 4) on this connection, which then belongs to
   * the returned stream. Any answer but {@code 101 Switching Protocols} with the right
   * {@code Sec-WebSocket-Accept} is returned as a failure with its status and body.
   *
   * @param protocols the subprotocols offered, most preferred first
   */
  Upgrade upgrade(String path, Map<String, String> headers, java.util.List<String> protocols) throws IOException {
    byte[] nonce = new byte[16];
    new java.security.SecureRandom().nextBytes(nonce);
    String key = java.util.Base64.getEncoder().encodeToString(nonce);
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Connection", "Upgrade");
    h.put("Upgrade", "websocket");
    h.put("Sec-WebSocket-Version", "13");
    h.put("Sec-WebSocket-Key", key);
    if (!protocols.isEmpty()) {
      h.put("Sec-WebSocket-Protocol", String.join(", ", protocols));
    }
    if (socket == null) {
      connect();
    }
    out.write(head("GET", path, h, null));
    out.flush();
    int status = parseStatus(line(in));
    Map<String, String> answer = headers(in);
    if (status != 101) {
      byte[] body = answer.containsKey("content-length")
          ? new Bounded(in, Long.parseLong(answer.get("content-length").trim())).readAllBytes() : new byte[0];
      close();
      return new Upgrade(status, new String(body, StandardCharsets.UTF_8), null);
    }
    String expected;
    try {
      expected = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
          .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
    if (!expected.equals(answer.get("sec-websocket-accept"))) {
      close();
      throw new IOException("the server did not accept the WebSocket handshake (bad Sec-WebSocket-Accept)");
    }
    Socket s = socket;
    socket = null; // the WebSocket owns it now
    return new Upgrade(101, "", new WebSocketStream(s, in, out, answer.getOrDefault("sec-websocket-protocol", "")));
  }

  /**
   * The outcome of {@link #upgrade}.
   *
   * @param status 101 when upgraded
   * @param body the error answer's body otherwise
   * @param socket the open WebSocket (null unless upgraded)
   */
  record Upgrade(int status, String body, WebSocketStream socket) {}

  private Streamed open(String method, String path, Map<String, String> headers, byte[] body, boolean detach)
      throws IOException {
    byte[] head = head(method, path, headers, body);
    for (int attempt = 0; ; attempt++) {
      boolean wasReused = socket != null;
      if (socket == null) {
        connect();
      }
      int status;
      Map<String, String> h;
      try {
        out.write(head);
        if (body != null) {
          out.write(body);
        }
        out.flush();
        String statusLine = line(in);
        if (statusLine == null) {
          throw new EOFException("connection closed before an answer");
        }
        status = parseStatus(statusLine);
        h = headers(in);
        while (status >= 100 && status < 200) {
          status = parseStatus(line(in));
          h = headers(in);
        }
      } catch (IOException e) {
        close();
        if (wasReused && attempt == 0) {
          continue; // the server closed the kept connection: once more on a fresh one
        }
        throw e;
      }
      boolean keep = !"close".equalsIgnoreCase(h.get("connection"));
      InputStream raw;
      if (method.equals("HEAD") || status == 204 || status == 304) {
        raw = InputStream.nullInputStream();
      } else if ("chunked".equalsIgnoreCase(h.getOrDefault("transfer-encoding", ""))) {
        raw = new Chunked(in);
      } else if (h.containsKey("content-length")) {
        raw = new Bounded(in, Long.parseLong(h.get("content-length").trim()));
      } else {
        raw = in;
        keep = false;
      }
      Socket owned = socket;
      boolean keepIt = keep && !detach;
      if (!keepIt) {
        socket = null; // the body's stream owns it now
      }
      InputStream bodyIn = new FilterInputStream(raw) {
        @Override
        public void close() throws IOException {
          if (!keepIt) {
            owned.close();
          }
        }
      };
      return new Streamed(status, h, bodyIn);
    }
  }

  private byte[] head(String method, String path, Map<String, String> headers, byte[] body) {
    StringBuilder b = new StringBuilder(256);
    b.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ").append(server.getAuthority()).append("\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      b.append("Content-Length: ").append(body.length).append("\r\n");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      b.append("Content-Length: 0\r\n");
    }
    b.append("\r\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void connect() throws IOException {
    String host = server.getHost();
    boolean https = "https".equals(server.getScheme());
    int port = server.getPort() > 0 ? server.getPort() : https ? 443 : 80;
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
      if (https) {
        SSLSocket t = (SSLSocket) tls.createSocket(s, host, port, true);
        SSLParameters p = tlsParameters;
        if (!isAddress(host)) {
          p.setServerNames(java.util.List.of(new SNIHostName(host)));
        }
        t.setSSLParameters(p);
        t.startHandshake();
        s = t;
      }
    } catch (IOException e) {
      s.close();
      throw e;
    }
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), 16384);
    out = new java.io.BufferedOutputStream(s.getOutputStream(), 8192);
  }

  private static boolean isAddress(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
  }

  private static int parseStatus(String line) throws IOException {
    // HTTP/1.1 200 OK
    int sp = line == null ? -1 : line.indexOf(' ');
    if (sp < 0 || line.length() < sp + 4 || !line.startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + line);
    }
    try {
      return Integer.parseInt(line.substring(sp + 1, sp + 4));
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP answer: " + line);
    }
  }

  private static Map<String, String> headers(InputStream in) throws IOException {
    Map<String, String> h = new LinkedHashMap<>();
    for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      if (colon > 0) {
        h.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    }
    return h;
  }

  /** One CRLF-terminated line without its end, or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
      if (b.size() > 65536) {
        throw new IOException("HTTP header line too long");
      }
    }
    if (c < 0 && b.size() == 0) {
      return null;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }

  /** A body of known length; closing it leaves the connection open. */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private long left;

    Bounded(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int c = in.read();
      if (c < 0) {
        throw new EOFException("answer shorter than its Content-Length");
      }
      left--;
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("answer shorter than its Content-Length");
      }
      left -= n;
      return n;
    }
  }

  /** A chunked body (RFC 9112 section 7.1), trailers skipped. */
  private static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    private boolean next() throws IOException {
      if (done) {
        return false;
      }
      if (left == 0) {
        String size = line(in);
        if (size != null && size.isEmpty()) {
          size = line(in); // the CRLF that ends the previous chunk
        }
        if (size == null) {
          throw new EOFException("chunked answer cut short");
        }
        int semi = size.indexOf(';');
        try {
          left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size: " + size);
        }
        if (left == 0) {
          for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            // trailers
          }
          done = true;
          return false;
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      if (!next()) {
        return -1;
      }
      int c = in.read();
      if (c < 0) {
        throw new EOFException("chunked answer cut short");
      }
      left--;
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!next()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("chunked answer cut short");
      }
      left -= n;
      return n;
    }

    @Override
    public int available() throws IOException {
      return done ? 0 : (int) Math.min(left, in.available());
    }
  }
}
