package io.jk.kubelet.server.portforward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One forwarded connection: a {@code jkportfwd NETNS PORT} process (runtime module), which
 * connects to {@code localhost:PORT} inside the pod's network namespace and relays its stdin and
 * stdout to that socket. Bytes for the pod are queued ({@link #write}) and written in order by
 * one thread; bytes from the pod go to {@link Listener#data} from another, then
 * {@link Listener#closed} once, with the process's exit code and its stderr (the reason the
 * connect failed, say).
 */
final class PortRelay {

  /** Exit code of {@code jkportfwd} when the connect failed. */
  static final int EXIT_CONNECT = 2;
  private static final byte[] EOF = new byte[0];

  /** What the relay tells its owner; called from the relay's own threads. */
  interface Listener {
    /** Bytes the pod sent. */
    void data(byte[] bytes);

    /** The connection is over; {@code error} is empty when it ended normally. */
    void closed(int exitCode, String error);
  }

  private final Process process;
  private final BlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean inputClosed = new AtomicBoolean();

  private PortRelay(Process process) {
    this.process = process;
  }

  /** Starts the relay process and its two threads on {@code threads}. */
  static PortRelay start(Path binary, Path netns, int port, Listener listener, Executor threads) throws IOException {
    Process p = new ProcessBuilder(List.of(binary.toString(), netns.toString(), Integer.toString(port))).start();
    PortRelay r = new PortRelay(p);
    threads.execute(r::writeLoop);
    threads.execute(() -> r.readLoop(listener));
    return r;
  }

  /** Queues {@code bytes} for the pod. */
  void write(byte[] bytes) {
    if (bytes.length > 0 && !inputClosed.get()) {
      queued.addAndGet(bytes.length);
      toPod.add(bytes);
    }
  }

  /** Bytes queued for the pod but not yet written (for back-pressure on the client). */
  long queuedBytes() {
    return queued.get();
  }

  /** Above this many queued bytes the client's socket is paused until the pod has read most of them. */
  static final long HIGH_WATER = 4L << 20;
  private static final long LOW_WATER = 1L << 20;

  /**
   * Pauses {@code socket} while this relay holds more than {@link #HIGH_WATER} bytes for the pod, so
   * that a slow reader in the pod slows the client instead of filling the kubelet's memory. Call on
   * the socket's event loop after {@link #write}.
   */
  void throttle(io.vertx.core.Vertx vertx, io.vertx.core.streams.ReadStream<?> socket) {
    if (queued.get() <= HIGH_WATER || paused.getAndSet(true)) {
      return;
    }
    socket.pause();
    vertx.setPeriodic(10, id -> {
      if (queued.get() < LOW_WATER || !process.isAlive()) {
        vertx.cancelTimer(id);
        paused.set(false);
        socket.resume();
      }
    });
  }

  private final AtomicBoolean paused = new AtomicBoolean();

  /** The client sends no more: the relay half-closes the pod's socket after what is queued. */
  void closeInput() {
    if (inputClosed.compareAndSet(false, true)) {
      toPod.add(EOF);
    }
  }

  /** Ends the connection at once (its process, by pid). */
  void kill() {
    closeInput();
    process.destroyForcibly();
  }

  /** The relay process's pid. */
  long pid() {
    return process.pid();
  }

  private void writeLoop() {
    try (OutputStream out = process.getOutputStream()) {
      while (true) {
        byte[] b = toPod.take();
        if (b == EOF) {
          return;
        }
        queued.addAndGet(-b.length);
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // the relay ended: its exit is reported by the reader
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readLoop(Listener listener) {
    byte[] buf = new byte[32 * 1024];
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        listener.data(java.util.Arrays.copyOf(buf, n));
      }
    } catch (IOException e) {
      // killed: the exit code says so
    }
    String error = "";
    int code;
    try (InputStream err = process.getErrorStream()) {
      error = new String(err.readNBytes(4096), StandardCharsets.UTF_8).trim();
      code = process.waitFor();
    } catch (IOException e) {
      code = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = -1;
    }
    kill(); // stops the writer
    listener.closed(code, error);
  }
}
