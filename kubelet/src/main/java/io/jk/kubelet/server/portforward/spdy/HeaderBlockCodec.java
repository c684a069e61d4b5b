package io.jk.kubelet.server.portforward.spdy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * SPDY/3 name/value header blocks: the plain layout (a 32-bit count, then each name and value
 * with a 32-bit length) and its zlib compression with the SPDY/3 dictionary. One compressor per
 * direction lives as long as the connection: every block continues the same zlib stream and
 * ends with a sync flush, so {@link #compress} and {@link #decompress} must see the blocks in
 * frame order. Not thread-safe.
 */
public final class HeaderBlockCodec {

  /** The largest header block accepted once decompressed: a client cannot make us hold more. */
  static final int MAX_DECOMPRESSED = 256 * 1024;

  // The SPDY/3 zlib dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): 65 length-prefixed words, then raw text.
  private static final String[] WORDS = {
      "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
      "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
      "content-base", "content-encoding", "content-language", "content-length", "content-location",
      "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from",
      "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
      "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization",
      "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
      "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK",
      "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"};
  private static final String TAIL = ""
      + "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
      + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Una"
      + "uthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service"
      + " UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, "
      + "Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,applicat"
      + "ion/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf"
      + "-8charset=iso-8859-1,utf-,*,enq=0.";

  static final byte[] DICTIONARY = dictionary();

  private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
  private final Inflater inflater = new Inflater();

  /** A codec whose compressor starts a stream primed with the SPDY/3 dictionary. */
  public HeaderBlockCodec() {
    deflater.setDictionary(DICTIONARY);
  }

  private static byte[] dictionary() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String w : WORDS) {
      byte[] b = w.getBytes(StandardCharsets.US_ASCII);
      writeInt(out, b.length);
      out.writeBytes(b);
    }
    out.writeBytes(TAIL.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /** Encodes and compresses {@code headers} (names are lower-cased, as SPDY/3 requires). */
  public byte[] compress(Map<String, String> headers) {
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    writeInt(plain, headers.size());
    for (Map.Entry<String, String> h : headers.entrySet()) {
      byte[] name = h.getKey().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      byte[] value = h.getValue().getBytes(StandardCharsets.UTF_8);
      writeInt(plain, name.length);
      plain.writeBytes(name);
      writeInt(plain, value.length);
      plain.writeBytes(value);
    }
    deflater.setInput(plain.toByteArray());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1024];
    int n;
    do {
      n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
      out.write(buf, 0, n);
    } while (n == buf.length);
    return out.toByteArray();
  }

  /**
   * Decompresses and parses one header block. Values with several parts keep their NUL
   * separators. Throws {@link SpdyProtocolException} on a corrupt or oversized block.
   */
  public Map<String, String> decompress(byte[] block) throws SpdyProtocolException {
    byte[] plain = inflate(block);
    try {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(plain);
      int count = b.getInt();
      if (count < 0 || count > plain.length / 8) {
        throw new SpdyProtocolException("header block: bad count " + count);
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = string(b);
        String value = string(b);
        if (name.isEmpty()) {
          throw new SpdyProtocolException("header block: empty header name");
        }
        out.put(name.toLowerCase(java.util.Locale.ROOT), value);
      }
      return out;
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new SpdyProtocolException("header block: truncated");
    }
  }

  private static String string(java.nio.ByteBuffer b) {
    int len = b.getInt();
    if (len < 0 || len > b.remaining()) {
      throw new IllegalArgumentException();
    }
    byte[] s = new byte[len];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private byte[] inflate(byte[] block) throws SpdyProtocolException {
    inflater.setInput(block);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      while (true) {
        int n = inflater.inflate(buf);
        if (n > 0) {
          out.write(buf, 0, n);
          if (out.size() > MAX_DECOMPRESSED) {
            throw new SpdyProtocolException("header block larger than " + MAX_DECOMPRESSED + " bytes");
          }
          continue;
        }
        if (inflater.needsDictionary()) {
          inflater.setDictionary(DICTIONARY);
          continue;
        }
        if (inflater.needsInput() || inflater.finished()) {
          return out.toByteArray();
        }
        throw new SpdyProtocolException("header block: zlib made no progress");
      }
    } catch (DataFormatException | IllegalArgumentException e) {
      throw new SpdyProtocolException("header block: " + e.getMessage());
    }
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  /** Frees the zlib streams. */
  public void close() {
    deflater.end();
    inflater.end();
  }
}
