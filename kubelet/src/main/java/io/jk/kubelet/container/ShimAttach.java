package io.jk.kubelet.container;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One attachment to a container through its shim's {@code attach.sock}: the container's output as it
 * comes, its stdin, its terminal's size. The shim speaks frames of one type byte, a 4-byte big-endian
 * length and the payload (see {@code runtime/src/shim_attach.c}).
 *
 * <p>Usage: {@code ShimAttach a = ShimAttach.open(socket, stdin, stdout, stderr)}, then {@link #read()}
 * frames until {@link Frame#exit()} or null (the shim went away), and {@link #writeStdin},
 * {@link #closeStdin}, {@link #resize} from one other thread; {@link #close()} detaches (with
 * {@code stdinOnce} the container's stdin then ends). Blocking: never on an event loop.
 */
public final class ShimAttach implements Closeable {

  /** Frame types. */
  public static final int STDOUT = 1;
  public static final int STDERR = 2;
  public static final int EXIT = 3;
  private static final int OPEN = 'O';
  private static final int ACCEPTED = 'A';
  private static final int STDIN = 0;
  private static final int RESIZE = 4;
  private static final int CLOSE_STDIN = 0xFF;
  private static final int MAX_FRAME = 1 << 20;
  /** A socket path longer than this goes through a link: the kernel's sun_path holds 108 bytes, Java takes fewer. */
  private static final int MAX_SOCKET_PATH = 100;
  /** How long a socket not there (yet) is waited for. */
  private static final java.time.Duration SOCKET_WAIT = java.time.Duration.ofSeconds(2);

  private final SocketChannel channel;
  private final boolean stdin;
  private final boolean tty;
  private final ByteBuffer head = ByteBuffer.allocate(5);

  /** One message from the shim: output of a stream, or the container's exit code. */
  public record Frame(int type, byte[] data) {
    /** Whether the container has ended (data: its exit code in decimal). */
    public boolean exit() {
      return type == EXIT;
    }
  }

  private ShimAttach(SocketChannel channel, boolean stdin, boolean tty) {
    this.channel = channel;
    this.stdin = stdin;
    this.tty = tty;
  }

  /**
   * Attaches to the shim listening on {@code socket}, asking for the given streams.
   *
   * @throws IOException when no shim listens there (the container ended, or its shim predates attach)
   */
  public static ShimAttach open(Path socket, boolean stdin, boolean stdout, boolean stderr) throws IOException {
    SocketChannel ch = connectWaiting(socket);
    try {
      int flags = (stdin ? 1 : 0) | (stdout ? 2 : 0) | (stderr ? 4 : 0);
      writeFrame(ch, OPEN, new byte[] {(byte) flags});
      ShimAttach a = new ShimAttach(ch, false, false);
      Frame first = a.read();
      if (first == null || first.type() != ACCEPTED || first.data().length != 1) {
        throw new IOException("the container's shim did not accept the attachment");
      }
      int got = first.data()[0];
      return new ShimAttach(ch, (got & 1) != 0, (got & 8) != 0);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Connects; the shim binds its socket just after it reported the container started, so a missing
   * socket is waited for a little (at most {@link #SOCKET_WAIT}) before it counts as none.
   */
  private static SocketChannel connectWaiting(Path socket) throws IOException {
    long deadline = System.nanoTime() + SOCKET_WAIT.toNanos();
    while (true) {
      try {
        return connect(socket);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted waiting for " + socket);
      }
    }
  }

  /** Connects, through a short symbolic link when the path is too long for a socket address. */
  private static SocketChannel connect(Path socket) throws IOException {
    if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
      return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }
    Path dir = Files.createTempDirectory("jk-attach-");
    try {
      Path link = Files.createSymbolicLink(dir.resolve("s"), socket);
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(UnixDomainSocketAddress.of(link));
        return ch;
      } catch (IOException e) {
        ch.close();
        throw e;
      } finally {
        Files.deleteIfExists(link);
      }
    } finally {
      Files.deleteIfExists(dir);
    }
  }

  /** Whether the container has a stdin this attachment writes to. */
  public boolean stdin() {
    return stdin;
  }

  /** Whether the container runs on a terminal (its output then all comes as {@link #STDOUT}). */
  public boolean tty() {
    return tty;
  }

  /** The next frame, or null when the shim closed the socket. */
  public Frame read() throws IOException {
    head.clear();
    if (!fill(head)) {
      return null;
    }
    head.flip();
    int type = head.get() & 0xff;
    int len = head.getInt();
    if (len < 0 || len > MAX_FRAME) {
      throw new IOException("bad frame from the shim: length " + len);
    }
    ByteBuffer body = ByteBuffer.allocate(len);
    if (!fill(body)) {
      throw new EOFException("the shim closed the socket within a frame");
    }
    return new Frame(type, body.array());
  }

  private boolean fill(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Writes to the container's stdin (dropped when it has none). */
  public void writeStdin(byte[] data) throws IOException {
    for (int off = 0; off < data.length; off += 65536) {
      int n = Math.min(65536, data.length - off);
      byte[] part = off == 0 && n == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + n);
      writeFrame(channel, STDIN, part);
    }
  }

  /** This attachment is done with stdin ({@code stdinOnce}: the container's stdin ends). */
  public void closeStdin() throws IOException {
    writeFrame(channel, CLOSE_STDIN, new byte[0]);
  }

  /** Sets the terminal's size (the process gets SIGWINCH). */
  public void resize(int columns, int rows) throws IOException {
    writeFrame(channel, RESIZE, new byte[] {(byte) (rows >> 8), (byte) rows, (byte) (columns >> 8), (byte) columns});
  }

  private static void writeFrame(SocketChannel ch, int type, byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(5 + payload.length).put((byte) type).putInt(payload.length).put(payload).flip();
    synchronized (ch) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }

  /** Detaches. */
  @Override
  public void close() throws IOException {
    channel.close();
  }
}
