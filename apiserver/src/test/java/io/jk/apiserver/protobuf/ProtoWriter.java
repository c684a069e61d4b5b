package io.jk.apiserver.protobuf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** A minimal protobuf encoder for tests: builds the bodies a Kubernetes client would send. */
final class ProtoWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static byte[] message(Consumer<ProtoWriter> fields) {
    ProtoWriter w = new ProtoWriter();
    fields.accept(w);
    return w.out.toByteArray();
  }

  /** {@code k8s\0} followed by a runtime.Unknown naming apiVersion and kind around raw. */
  static byte[] envelope(String apiVersion, String kind, byte[] raw) {
    byte[] typeMeta = message(w -> w.string(1, apiVersion).string(2, kind));
    byte[] unknown = message(w -> w.bytes(1, typeMeta).bytes(2, raw).string(3, "").string(4, ""));
    byte[] body = new byte[unknown.length + 4];
    body[0] = 'k';
    body[1] = '8';
    body[2] = 's';
    System.arraycopy(unknown, 0, body, 4, unknown.length);
    return body;
  }

  ProtoWriter varint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  ProtoWriter tag(int field, int wire) {
    return varint((long) field << 3 | wire);
  }

  ProtoWriter int64(int field, long v) {
    return tag(field, 0).varint(v);
  }

  ProtoWriter bytes(int field, byte[] b) {
    tag(field, 2).varint(b.length);
    out.writeBytes(b);
    return this;
  }

  ProtoWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter fixed32(int field, int v) {
    tag(field, 5);
    for (int i = 0; i < 4; i++) {
      out.write(v >>> (8 * i) & 0xFF);
    }
    return this;
  }
}
