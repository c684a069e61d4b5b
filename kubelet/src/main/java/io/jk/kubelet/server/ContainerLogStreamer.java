package io.jk.kubelet.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Reads a container's CRI-format log (its rotated files {@code .N ... .1} first, then the live
 * file), joins {@code P} partial lines, applies {@code sinceTime}, {@code tailLines},
 * {@code timestamps} and {@code limitBytes}, and with {@code follow} keeps reading what is
 * appended (also across a rotation) until the container stops.
 *
 * <p>Blocking: run {@link #run} on a worker thread, never on an event loop.
 */
final class ContainerLogStreamer {

  /** Receives the bytes to send; returns false when the reader has gone away. */
  interface Sink {
    boolean write(byte[] data);
  }

  private static final long POLL_MILLIS = 200;
  private static final int MAX_ROTATED = 20;

  private final Path logPath;
  private final LogOptions options;
  private final BooleanSupplier stillRunning;
  private final Map<String, StringBuilder> pending = new HashMap<>();
  private final Map<String, CriLogEntry> pendingFirst = new HashMap<>();
  private long remaining;
  private ByteArrayOutputStream carry = new ByteArrayOutputStream();

  /**
   * @param stillRunning asked between polls while following: false ends the stream after a last read
   */
  ContainerLogStreamer(Path logPath, LogOptions options, BooleanSupplier stillRunning) {
    this.logPath = logPath;
    this.options = options;
    this.stillRunning = stillRunning;
    this.remaining = options.limitBytes() > 0 ? options.limitBytes() : Long.MAX_VALUE;
  }

  /** Streams into {@code sink} until done, the byte limit is reached or the sink refuses. */
  void run(Sink sink) throws IOException, InterruptedException {
    List<Path> files = new ArrayList<>();
    for (int i = MAX_ROTATED; i >= 1; i--) {
      Path rotated = logPath.resolveSibling(logPath.getFileName() + "." + i);
      if (Files.isRegularFile(rotated)) {
        files.add(rotated);
      }
    }
    List<CriLogEntry> all = new ArrayList<>();
    ArrayDeque<CriLogEntry> tail = new ArrayDeque<>();
    Predicate<CriLogEntry> keep = e -> {
      if (options.since() == null || !e.time().isBefore(options.since())) {
        if (options.tailLines() >= 0) {
          tail.addLast(e);
          if (tail.size() > options.tailLines()) {
            tail.removeFirst();
          }
        } else {
          all.add(e);
        }
      }
      return true;
    };
    for (Path f : files) {
      feed(Files.readAllBytes(f), keep);
      carry.reset(); // a rotated file ends with a whole line; drop a torn one
    }
    FileChannel live = open(logPath);
    Object liveKey = null;
    if (live != null) {
      liveKey = fileKey(logPath);
      feed(readToEnd(live), keep);
    }
    List<CriLogEntry> first = options.tailLines() >= 0 ? new ArrayList<>(tail) : all;
    for (CriLogEntry e : first) {
      if (!emit(e, sink)) {
        close(live);
        return;
      }
    }
    if (!options.follow()) {
      close(live);
      return;
    }
    Predicate<CriLogEntry> send = e -> options.since() == null || !e.time().isBefore(options.since());
    List<CriLogEntry> fresh = new ArrayList<>();
    Predicate<CriLogEntry> collect = e -> send.test(e) && fresh.add(e);
    try {
      boolean running = true;
      while (true) {
        if (live == null) {
          live = open(logPath);
          liveKey = live == null ? null : fileKey(logPath);
        }
        if (live != null) {
          feed(readToEnd(live), collect);
          Object nowKey = fileKey(logPath);
          if (nowKey != null && !nowKey.equals(liveKey)) { // rotated: the old file is read to its end above
            close(live);
            carry.reset();
            live = open(logPath);
            liveKey = live == null ? null : fileKey(logPath);
            if (live != null) {
              feed(readToEnd(live), collect);
            }
          }
        }
        for (CriLogEntry e : fresh) {
          if (!emit(e, sink)) {
            return;
          }
        }
        fresh.clear();
        if (!running) {
          return;
        }
        running = stillRunning.getAsBoolean();
        if (running) {
          Thread.sleep(POLL_MILLIS);
          if (!sink.write(new byte[0])) {
            return;
          }
        }
        // when it stopped, loop once more to read what it wrote last
      }
    } finally {
      close(live);
    }
  }

  private boolean emit(CriLogEntry e, Sink sink) {
    if (remaining <= 0) {
      return false;
    }
    byte[] b = e.render(options.timestamps());
    if (b.length > remaining) {
      byte[] cut = new byte[(int) remaining];
      System.arraycopy(b, 0, cut, 0, cut.length);
      b = cut;
    }
    remaining -= b.length;
    return sink.write(b) && remaining > 0;
  }

  /** Splits bytes into lines (keeping a torn last line for later) and hands each joined entry on. */
  private void feed(byte[] data, Predicate<CriLogEntry> out) {
    int start = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == '\n') {
        carry.write(data, start, i - start);
        String line = carry.toString(StandardCharsets.UTF_8);
        carry = new ByteArrayOutputStream();
        start = i + 1;
        CriLogEntry e = CriLogEntry.parse(line);
        if (e == null) {
          continue;
        }
        if (e.partial()) {
          pending.computeIfAbsent(e.stream(), s -> new StringBuilder()).append(e.text());
          pendingFirst.putIfAbsent(e.stream(), e);
          continue;
        }
        StringBuilder before = pending.remove(e.stream());
        if (before != null) {
          CriLogEntry head = pendingFirst.remove(e.stream());
          e = new CriLogEntry(head.time(), head.timeText(), e.stream(), false, before.append(e.text()).toString());
        }
        out.test(e);
      }
    }
    carry.write(data, start, data.length - start);
  }

  private static FileChannel open(Path p) throws IOException {
    try {
      return FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static Object fileKey(Path p) {
    try {
      return Objects.requireNonNullElse(Files.readAttributes(p, BasicFileAttributes.class).fileKey(), "");
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] readToEnd(FileChannel ch) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (ch.read(buf) > 0) {
      out.write(buf.array(), 0, buf.position());
      buf.clear();
    }
    return out.toByteArray();
  }

  private static void close(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing left to do
      }
    }
  }
}
