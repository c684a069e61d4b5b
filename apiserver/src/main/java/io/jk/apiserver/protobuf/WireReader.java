package io.jk.apiserver.protobuf;

/**
 * Reads the protobuf wire format (varints, fixed32/64, length-delimited fields) from a byte
 * range. Every read checks the range: a truncated or overlong value raises
 * {@link MalformedProtobufException}, never an index error.
 */
public final class WireReader {

  /** Wire type of a varint field. */
  public static final int VARINT = 0;
  /** Wire type of a 64-bit fixed field. */
  public static final int FIXED64 = 1;
  /** Wire type of a length-delimited field. */
  public static final int LENGTH_DELIMITED = 2;
  /** Wire type of a 32-bit fixed field. */
  public static final int FIXED32 = 5;

  private final byte[] buf;
  private int pos;
  private final int end;

  /** A reader of {@code buf[from, to)}. */
  public WireReader(byte[] buf, int from, int to) {
    if (from < 0 || to > buf.length || from > to) {
      throw new MalformedProtobufException("invalid range");
    }
    this.buf = buf;
    this.pos = from;
    this.end = to;
  }

  /** Whether every byte of the range has been read. */
  public boolean atEnd() {
    return pos >= end;
  }

  /** Reads a field tag: field number in the high bits, wire type in the low 3 bits. */
  public int readTag() {
    long tag = readVarint();
    if (tag >>> 3 == 0 || tag >>> 3 > 0x1FFFFFFF) {
      throw new MalformedProtobufException("invalid field number " + (tag >>> 3));
    }
    return (int) tag;
  }

  /** Reads a base-128 varint of at most 10 bytes. */
  public long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= end) {
        throw new MalformedProtobufException("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new MalformedProtobufException("varint longer than 10 bytes");
  }

  /** Reads a little-endian 32-bit value. */
  public int readFixed32() {
    need(4);
    int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  /** Reads a little-endian 64-bit value. */
  public long readFixed64() {
    long lo = readFixed32() & 0xFFFFFFFFL;
    long hi = readFixed32() & 0xFFFFFFFFL;
    return lo | hi << 32;
  }

  /** Reads the length of a length-delimited field and returns a reader of its content, skipping past it. */
  public WireReader readDelimited() {
    long len = readVarint();
    if (len < 0 || len > end - pos) {
      throw new MalformedProtobufException("length " + len + " runs past the end of the message");
    }
    WireReader sub = new WireReader(buf, pos, pos + (int) len);
    pos += (int) len;
    return sub;
  }

  /** Reads a length-delimited field as bytes. */
  public byte[] readBytes() {
    WireReader sub = readDelimited();
    return java.util.Arrays.copyOfRange(buf, sub.pos, sub.end);
  }

  /** Reads a length-delimited field as UTF-8 text. */
  public String readString() {
    WireReader sub = readDelimited();
    return new String(buf, sub.pos, sub.end - sub.pos, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Returns every byte not yet read, leaving the reader at its end. */
  public byte[] readRemaining() {
    byte[] out = java.util.Arrays.copyOfRange(buf, pos, end);
    pos = end;
    return out;
  }

  /** Skips a field's value of the given wire type (groups are refused: Kubernetes never sends them). */
  public void skip(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case FIXED64 -> need(8);
      case LENGTH_DELIMITED -> readDelimited();
      case FIXED32 -> need(4);
      default -> throw new MalformedProtobufException("unsupported wire type " + wireType);
    }
    if (wireType == FIXED64) {
      pos += 8;
    } else if (wireType == FIXED32) {
      pos += 4;
    }
  }

  private void need(int n) {
    if (end - pos < n) {
      throw new MalformedProtobufException("truncated fixed-size value");
    }
  }
}
