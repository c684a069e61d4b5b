package io.jk.kubelet.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code exec} over a WebSocket speaking the Kubernetes channel protocol
 * ({@code v5.channel.k8s.io} or {@code v4.channel.k8s.io}): runs
 * {@code <runtime> --root <root> exec [--tty] <id> -- CMD...}, copies channel 0 to the process's
 * stdin, its stdout and stderr to channels 1 and 2, closes stdin on {@code [0xFF,0x00]} (v5) or
 * when the socket closes, and ends with the Status on channel 3 and a close 1000.
 *
 * <p>Resize frames (channel 4, {@code {"Width":W,"Height":H}}) set the terminal's size: the runtime
 * writes the exec'd process's pid ({@code --pid-file}) and the size goes onto that process's terminal
 * ({@code stty -F /proc/PID/fd/0}), which also sends it SIGWINCH, as a resize of the pty master would.
 */
final class ExecSession implements StreamSession {

  private static final Logger LOG = LoggerFactory.getLogger(ExecSession.class);
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int ERROR = 3;
  private static final int RESIZE = 4;
  private static final int CLOSE = 255;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final ContainerHandle container;
  private final List<String> command;
  private final boolean stdin;
  private final boolean stdout;
  private final boolean stderr;
  private final boolean tty;
  private final boolean v5;
  /** One thread writes stdin in order; two pump the outputs. */
  private final ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
    Thread t = new Thread(r, "kubelet-exec");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService stdinWriter = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "kubelet-exec-stdin");
    t.setDaemon(true);
    return t;
  });
  private volatile Process process;
  /** Where the runtime writes the exec'd process's pid (tty sessions), or null. */
  private final java.nio.file.Path pidFile;
  private volatile boolean socketClosed;

  ExecSession(Vertx vertx, ServerWebSocket ws, ContainerHandle container, List<String> command, boolean stdin,
      boolean stdout, boolean stderr, boolean tty) {
    this.vertx = vertx;
    this.ws = ws;
    this.container = container;
    this.command = command;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr && !tty; // a terminal has one output stream
    this.tty = tty;
    this.v5 = "v5.channel.k8s.io".equals(ws.subProtocol());
    java.nio.file.Path f = null;
    if (tty) {
      try {
        f = java.nio.file.Files.createTempFile("jk-exec-", ".pid");
      } catch (IOException e) {
        LOG.warn("No pid file for exec: resize disabled err={}", e.getMessage());
      }
    }
    this.pidFile = f;
  }

  /** The runtime's command line for this exec. */
  static List<String> runtimeArgs(ContainerHandle c, List<String> command, boolean tty) {
    return runtimeArgs(c, command, tty, null);
  }

  /** As above, with the runtime writing the exec'd process's pid to {@code pidFile} (when not null). */
  static List<String> runtimeArgs(ContainerHandle c, List<String> command, boolean tty, java.nio.file.Path pidFile) {
    List<String> args = new ArrayList<>();
    args.add(c.runtimePath().toString());
    args.add("--root");
    args.add(c.runtimeRoot().toString());
    args.add("exec");
    if (tty) {
      args.add("--tty");
    }
    if (pidFile != null) {
      args.add("--pid-file");
      args.add(pidFile.toString());
    }
    args.add(c.containerId());
    args.add("--");
    args.addAll(command);
    return args;
  }

  /** Starts the process and wires both directions; the socket is answered and closed when it ends. */
  @Override
  public void start() {
    ws.pause();
    threads.execute(() -> {
      Process p;
      try {
        ProcessBuilder pb = new ProcessBuilder(runtimeArgs(container, command, tty, pidFile));
        if (!stdout) {
          pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (!stderr) {
          pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        p = pb.start();
      } catch (IOException e) {
        finish(failure("InternalError", "failed to start exec: " + e.getMessage(), -1));
        return;
      }
      process = p;
      if (!stdin) {
        closeQuietly(p.getOutputStream());
      }
      vertx.runOnContext(v -> wireInput(p));
      AtomicInteger open = new AtomicInteger((stdout ? 1 : 0) + (stderr ? 1 : 0) + 1);
      Runnable last = () -> {
        if (open.decrementAndGet() == 0) {
          finish(exitStatus(p));
        }
      };
      if (stdout) {
        threads.execute(() -> pump(p.getInputStream(), STDOUT, last));
      }
      if (stderr) {
        threads.execute(() -> pump(p.getErrorStream(), STDERR, last));
      }
      last.run();
    });
  }

  private void wireInput(Process p) {
    OutputStream in = p.getOutputStream();
    ws.binaryMessageHandler(frame -> onFrame(frame, in));
    ws.textMessageHandler(text -> onFrame(Buffer.buffer(text), in));
    ws.closeHandler(v -> {
      socketClosed = true;
      onStdin(() -> closeQuietly(in));
      p.destroy(); // nobody reads its output any more
    });
    ws.resume();
  }

  private void onFrame(Buffer frame, OutputStream in) {
    if (frame.length() == 0) {
      return;
    }
    int channel = frame.getUnsignedByte(0);
    if (channel == STDIN && stdin) {
      byte[] data = frame.getBytes(1, frame.length());
      onStdin(() -> {
        try {
          in.write(data);
          in.flush();
        } catch (IOException e) {
          // the process closed its stdin: the rest is dropped
        }
      });
    } else if (channel == CLOSE && v5 && frame.length() >= 2 && frame.getUnsignedByte(1) == STDIN) {
      onStdin(() -> closeQuietly(in));
    } else if (channel == RESIZE && tty && pidFile != null) {
      String size = frame.getString(1, frame.length());
      // in order with stdin: what is typed after a resize sees the new size
      onStdin(() -> resize(size));
    }
  }

  /** Sets the terminal size from a resize frame's {@code {"Width":W,"Height":H}}; bad frames are ignored. */
  private void resize(String json) {
    int[] size = terminalSize(json);
    if (size == null) {
      LOG.debug("Exec resize frame unreadable container={} frame={}", container.containerId(), json);
      return;
    }
    int width = size[0];
    int height = size[1];
    int pid = execPid();
    if (pid <= 0) {
      LOG.debug("Exec resize without a process container={}", container.containerId());
      return;
    }
    try {
      Process stty = new ProcessBuilder("stty", "-F", "/proc/" + pid + "/fd/0", "rows", Integer.toString(height),
          "cols", Integer.toString(width)).redirectErrorStream(true).start();
      String out = new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (stty.waitFor() != 0) {
        LOG.debug("Exec resize failed container={} err={}", container.containerId(), out.strip());
      }
    } catch (IOException e) {
      LOG.debug("Exec resize failed container={} err={}", container.containerId(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code {width, height}} from a resize frame's {@code {"Width":W,"Height":H}}; null when it is not one. */
  static int[] terminalSize(String json) {
    try {
      var size = Json.mapper().readTree(json);
      int width = size.path("Width").asInt(-1);
      int height = size.path("Height").asInt(-1);
      return width < 0 || height < 0 || width > 65535 || height > 65535 ? null : new int[] {width, height};
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The exec'd process's host pid from the runtime's pid file; the first resize frame can come before the
   * runtime wrote it, so this waits a little (at most 2 s) while the runtime still runs.
   */
  private int execPid() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
    while (true) {
      try {
        String text = java.nio.file.Files.readString(pidFile).trim();
        if (!text.isEmpty()) {
          return Integer.parseInt(text);
        }
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
      Process p = process;
      if (System.nanoTime() > deadline || p != null && !p.isAlive()) {
        return -1;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
  }

  private void pump(InputStream from, int channel, Runnable done) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = from.read(buf)) > 0) {
        Buffer frame = Buffer.buffer(n + 1).appendByte((byte) channel).appendBytes(buf, 0, n);
        if (!socketClosed) {
          ws.writeBinaryMessage(frame);
        }
      }
    } catch (IOException e) {
      // the stream ended with the process
    } finally {
      done.run();
    }
  }

  private ObjectNode exitStatus(Process p) {
    int code;
    try {
      code = p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      code = -1;
    }
    if (code == 0) {
      return success();
    }
    return failure("NonZeroExitCode", "command terminated with non-zero exit code: error executing command ["
        + String.join(" ", command) + "], exit code " + code, code);
  }

  /** The channel-3 Status of a session that ended well. */
  static ObjectNode success() {
    ObjectNode ok = Json.mapper().createObjectNode();
    ok.putObject("metadata");
    ok.put("status", "Success");
    return ok;
  }

  /** The channel-3 Status of a failure ({@code code} >= 0: with the ExitCode cause). */
  static ObjectNode failure(String reason, String message, int code) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.putObject("metadata");
    s.put("status", "Failure");
    s.put("message", message);
    s.put("reason", reason);
    if (code >= 0) {
      s.putObject("details").putArray("causes").addObject().put("reason", "ExitCode").put("message", String.valueOf(code));
    }
    return s;
  }

  private void finish(ObjectNode status) {
    vertx.runOnContext(v -> {
      if (!socketClosed) {
        closeWithStatus(ws, status);
      }
      threads.shutdown();
      stdinWriter.shutdown();
      if (pidFile != null) {
        try {
          java.nio.file.Files.deleteIfExists(pidFile);
        } catch (IOException e) {
          LOG.debug("Exec pid file not removed path={} err={}", pidFile, e.getMessage());
        }
      }
    });
  }

  /** Sends {@code status} on channel 3 and closes the socket normally (on its context). */
  static void closeWithStatus(ServerWebSocket ws, ObjectNode status) {
    byte[] json = status.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ws.writeBinaryMessage(Buffer.buffer(json.length + 1).appendByte((byte) ERROR).appendBytes(json));
    ws.close((short) 1000);
  }

  private void onStdin(Runnable r) {
    try {
      stdinWriter.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the session has ended
    }
  }

  /** Ends the process when the server stops. */
  @Override
  public void kill() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  private static void closeQuietly(OutputStream s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
