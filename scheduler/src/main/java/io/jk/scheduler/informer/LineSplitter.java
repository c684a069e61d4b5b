package io.jk.scheduler.informer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into newline-terminated lines without decoding characters: a watch stream
 * is one JSON event per line, and JSON's newlines never occur inside a value. Not thread-safe:
 * one splitter per stream, fed in order.
 */
final class LineSplitter {
  private final Consumer<byte[]> sink;
  private byte[] partial = new byte[8192];
  private int length;

  /** Lines (without the newline) go to {@code sink}. */
  LineSplitter(Consumer<byte[]> sink) {
    this.sink = sink;
  }

  /** Feeds the buffer's remaining bytes. */
  void feed(ByteBuffer buf) {
    while (buf.hasRemaining()) {
      int start = buf.position();
      int end = buf.limit();
      int nl = -1;
      if (buf.hasArray()) {
        byte[] a = buf.array();
        int off = buf.arrayOffset();
        for (int i = start; i < end; i++) {
          if (a[off + i] == '\n') {
            nl = i;
            break;
          }
        }
      } else {
        for (int i = start; i < end; i++) {
          if (buf.get(i) == '\n') {
            nl = i;
            break;
          }
        }
      }
      int take = (nl < 0 ? end : nl) - start;
      append(buf, take);
      if (nl < 0) {
        return;
      }
      buf.get(); // the newline
      if (length > 0) {
        sink.accept(Arrays.copyOf(partial, length));
      }
      length = 0;
    }
  }

  private void append(ByteBuffer buf, int n) {
    if (length + n > partial.length) {
      partial = Arrays.copyOf(partial, Math.max(partial.length * 2, length + n));
    }
    buf.get(partial, length, n);
    length += n;
  }
}
