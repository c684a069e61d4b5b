package io.jk.cli.daemon;

import io.jk.cli.JkctlCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One client connection: reads the request, answers busy, other-build or refused when the
 * client must run the command itself, else runs the command with the client's arguments,
 * environment and working directory, standard streams carried as frames, and ends with its
 * exit code. A second thread reads the client's frames (stdin the command asked for, or the
 * end of the connection when the client was interrupted, which interrupts the command).
 */
final class RequestHandler implements Runnable {

  private static final byte[] EMPTY = new byte[0];
  /** Put on the stdin queue when the client went away. */
  private static final byte[] GONE = new byte[0];

  private final Daemon daemon;
  private final SocketChannel ch;
  private final Object writeLock = new Object();
  private final BlockingQueue<byte[]> stdin = new LinkedBlockingQueue<>();
  private volatile boolean clientGone;
  /** Set once the command has ended: the client's leaving is then no reason to interrupt anything. */
  private volatile boolean finished;

  RequestHandler(Daemon daemon, SocketChannel ch) {
    this.daemon = daemon;
    this.ch = ch;
  }

  @Override
  public void run() {
    try (SocketChannel c = ch) {
      Protocol.Request req;
      try {
        Protocol.Frame f = Protocol.read(ch, Protocol.MAX_REQUEST);
        if (f.type() != Protocol.REQUEST) {
          throw new IOException("expected a request frame, got '" + (char) f.type() + "'");
        }
        req = Protocol.parseRequest(f.payload());
      } catch (IOException e) {
        Daemon.log("Bad request", "err", e.getMessage());
        send(Protocol.REFUSED, bytes("bad request: " + e.getMessage()));
        return;
      }
      if (!Protocol.MAGIC.equals(req.magic())) {
        send(Protocol.REFUSED, bytes("protocol " + req.magic() + " is not " + Protocol.MAGIC));
        return;
      }
      switch (req.kind()) {
        case "status" -> {
          accept();
          send(Protocol.STDOUT, bytes(daemon.status()));
          send(Protocol.EXIT, Protocol.u32(0));
        }
        case "stop" -> {
          accept();
          send(Protocol.EXIT, Protocol.u32(0));
          daemon.shutdown("stop requested");
        }
        case "run" -> runCommand(req);
        default -> send(Protocol.REFUSED, bytes("unknown request kind " + req.kind()));
      }
    } catch (java.nio.channels.ClosedByInterruptException e) {
      Daemon.log("Client went away during its command");
    } catch (IOException e) {
      Daemon.log("Client connection failed", "err", e.getMessage());
    }
  }

  private void runCommand(Protocol.Request req) throws IOException {
    if (!daemon.buildId().equals(req.buildId())) {
      send(Protocol.MISMATCH, bytes(daemon.buildId()));
      daemon.shutdown("a client of build " + req.buildId() + " came (this daemon is " + daemon.buildId() + ")");
      return;
    }
    Path cwd;
    try {
      cwd = Path.of(req.cwd());
    } catch (java.nio.file.InvalidPathException e) {
      cwd = null;
    }
    if (cwd == null || !cwd.isAbsolute()) {
      send(Protocol.REFUSED, bytes("the working directory is not an absolute path"));
      return;
    }
    if (!daemon.enter()) {
      send(Protocol.BUSY, EMPTY);
      return;
    }
    ClientPool.Lease lease = daemon.clients().lease();
    boolean clean = false;
    boolean ran = false;
    Thread reader = null;
    try {
      accept();
      ran = true;
      Thread worker = Thread.currentThread();
      reader = new Thread(() -> readClient(worker), "jkctl-daemon-client-reader");
      reader.setDaemon(true);
      reader.start();
      Map<String, String> env = environment(req);
      FrameOutput out = new FrameOutput(Protocol.STDOUT);
      FrameOutput err = new FrameOutput(Protocol.STDERR);
      PrintStream o = new PrintStream(out, false, StandardCharsets.UTF_8);
      PrintStream e = new PrintStream(err, false, StandardCharsets.UTF_8);
      int code;
      long start = System.nanoTime();
      try {
        io.jk.cli.Terminal terminal = new io.jk.cli.Terminal((req.ttys() & Protocol.STDIN_TTY) != 0,
            (req.ttys() & Protocol.STDOUT_TTY) != 0, (req.ttys() & Protocol.STDERR_TTY) != 0, req.columns());
        code = JkctlCommand.run(req.args().toArray(String[]::new), env, cwd, lease, terminal, new RemoteStdin(), o, e);
      } catch (RuntimeException | Error t) {
        // picocli reports a command's exceptions; what escapes is a defect: say so, as a JVM would
        e.println("error: " + t);
        code = 1;
      }
      o.flush();
      e.flush();
      finished = true;
      send(Protocol.EXIT, Protocol.u32(code));
      clean = code == 0 && !clientGone;
      Daemon.log("Request served", "args", String.valueOf(req.args().size()), "exit", String.valueOf(code),
          "ms", String.valueOf((System.nanoTime() - start) / 1_000_000));
    } finally {
      lease.close(clean);
      daemon.leave(ran);
      Thread.interrupted(); // a late interrupt from the reader must not outlive the request
    }
  }

  /** The request's environment as a map (of a name given twice, the first counts, as for getenv). */
  private static Map<String, String> environment(Protocol.Request req) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : req.env()) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return java.util.Collections.unmodifiableMap(env);
  }

  /** Reads the client's frames until it closes: stdin chunks, or its end (then the command is interrupted). */
  private void readClient(Thread worker) {
    try {
      while (true) {
        Protocol.Frame f = Protocol.read(ch, Protocol.MAX_STDIN);
        if (f.type() == Protocol.STDIN) {
          stdin.add(f.payload().length == 0 ? EMPTY : f.payload());
        } else {
          throw new IOException("unexpected frame '" + (char) f.type() + "' from the client");
        }
      }
    } catch (IOException e) {
      if (ch.isOpen() && !finished) {
        clientGone = true;
        stdin.add(GONE);
        worker.interrupt();
      }
    }
  }

  /**
   * Accepts the request and waits for the client's go: a client that gave up waiting has run
   * the command itself and closed instead, and then the command must not run here too.
   */
  private void accept() throws IOException {
    send(Protocol.ACCEPTED, EMPTY);
    Protocol.Frame go = Protocol.read(ch, 0);
    if (go.type() != Protocol.GO) {
      throw new IOException("expected the client's go, got '" + (char) go.type() + "'");
    }
  }

  private void send(byte type, byte[] payload) throws IOException {
    send(type, payload, 0, payload.length);
  }

  private void send(byte type, byte[] payload, int off, int len) throws IOException {
    synchronized (writeLock) {
      Protocol.write(ch, type, payload, off, len);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** stdout or stderr of the command: buffered, one frame per flush or full buffer. */
  private final class FrameOutput extends OutputStream {
    private final byte type;
    private final byte[] buf = new byte[16384];
    private int n;

    FrameOutput(byte type) {
      this.type = type;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      if (n == buf.length) {
        flush();
      }
      buf[n++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (len > buf.length - n) {
        flush();
        if (len > buf.length) {
          emit(b, off, len);
          return;
        }
      }
      System.arraycopy(b, off, buf, n, len);
      n += len;
    }

    @Override
    public synchronized void flush() throws IOException {
      if (n > 0) {
        int len = n;
        n = 0;
        emit(buf, 0, len);
      }
    }

    private void emit(byte[] b, int off, int len) throws IOException {
      if (clientGone) {
        return; // nobody reads it: the command's output is dropped, as a closed pipe's would be
      }
      try {
        send(type, b, off, len);
      } catch (IOException e) {
        clientGone = true;
        throw e;
      }
    }
  }

  /** The client's stdin, asked for when the command reads it (so commands that do not read it never block). */
  private final class RemoteStdin extends InputStream {
    private byte[] chunk = EMPTY;
    private int pos;
    private boolean eof;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos == chunk.length) {
        if (eof) {
          return -1;
        }
        send(Protocol.READ, Protocol.u32(Math.min(Math.max(len, 8192), Protocol.MAX_STDIN)));
        byte[] next;
        try {
          next = stdin.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("the client went away");
        }
        if (next == GONE) {
          eof = true;
          throw new IOException("the client went away");
        }
        if (next.length == 0) {
          eof = true;
          return -1;
        }
        chunk = next;
        pos = 0;
      }
      int n = Math.min(len, chunk.length - pos);
      System.arraycopy(chunk, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
