package io.jk.kubelet.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.kubelet.container.ShimAttach;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code attach} over a WebSocket speaking the Kubernetes channel protocol (v5 or v4, as
 * {@link ExecSession}): connects to the container's shim ({@link ShimAttach}), sends what the container
 * prints from then on to channels 1 and 2 (a terminal's output all to 1), copies channel 0 to the
 * container's stdin and channel 4 (resize) to its terminal. {@code [0xFF,0x00]} (v5) or the socket's
 * close ends this attachment's stdin, which with {@code stdinOnce} ends the container's. When the
 * container ends, the session ends with a Success Status on channel 3 and a close 1000; like
 * Kubernetes' kubelet, attach reports no exit code (kubectl reads it from the pod's status).
 */
final class AttachSession implements StreamSession {

  private static final Logger LOG = LoggerFactory.getLogger(AttachSession.class);
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int RESIZE = 4;
  private static final int CLOSE = 255;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final ContainerHandle container;
  private final Path socket;
  private final boolean stdin;
  private final boolean stdout;
  private final boolean stderr;
  private final boolean v5;
  /** Reads from the shim. */
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> daemon(r, "kubelet-attach"));
  /** Writes to the shim, in order. */
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> daemon(r, "kubelet-attach-stdin"));
  private volatile ShimAttach attach;
  private volatile boolean socketClosed;
  private volatile WriteBackpressure backpressure;
  private Context context;

  AttachSession(Vertx vertx, ServerWebSocket ws, ContainerHandle container, Path socket, boolean stdin, boolean stdout,
      boolean stderr) {
    this.vertx = vertx;
    this.ws = ws;
    this.container = container;
    this.socket = socket;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.v5 = "v5.channel.k8s.io".equals(ws.subProtocol());
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void start() {
    context = vertx.getOrCreateContext();
    backpressure = new WriteBackpressure(ws);
    ws.pause();
    reader.execute(() -> {
      ShimAttach a;
      try {
        a = ShimAttach.open(socket, stdin, stdout, stderr);
      } catch (IOException e) {
        LOG.info("Attach failed container={} err=\"{}\"", container.containerId(), e.getMessage());
        finish(ExecSession.failure("InternalError", "error attaching to container: the container "
            + container.containerId() + " accepts no attachment (it ended, or its shim cannot attach): " + e.getMessage(), -1));
        return;
      }
      attach = a;
      context.runOnContext(v -> wireInput(a));
      pump(a);
    });
  }

  private void wireInput(ShimAttach a) {
    ws.binaryMessageHandler(this::onFrame);
    ws.textMessageHandler(text -> onFrame(Buffer.buffer(text)));
    ws.closeHandler(v -> {
      socketClosed = true;
      backpressure.wake();
      onWriter(this::detach);
    });
    ws.resume();
  }

  private void onFrame(Buffer frame) {
    if (frame.length() == 0) {
      return;
    }
    ShimAttach a = attach;
    int channel = frame.getUnsignedByte(0);
    if (channel == STDIN && stdin) {
      byte[] data = frame.getBytes(1, frame.length());
      onWriter(() -> {
        try {
          a.writeStdin(data);
        } catch (IOException e) {
          // the shim is gone: the reader ends the session
        }
      });
    } else if (channel == CLOSE && v5 && frame.length() >= 2 && frame.getUnsignedByte(1) == STDIN && stdin) {
      onWriter(() -> {
        try {
          a.closeStdin();
        } catch (IOException e) {
          // the shim is gone
        }
      });
    } else if (channel == RESIZE) {
      int[] size = ExecSession.terminalSize(frame.getString(1, frame.length()));
      if (size != null && a.tty()) {
        onWriter(() -> {
          try {
            a.resize(size[0], size[1]);
          } catch (IOException e) {
            // the shim is gone
          }
        });
      }
    }
  }

  private void pump(ShimAttach a) {
    try {
      ShimAttach.Frame f;
      while ((f = a.read()) != null && !f.exit()) {
        int channel = f.type() == ShimAttach.STDERR && !a.tty() ? STDERR : STDOUT;
        if (socketClosed || (channel == STDOUT ? !stdout : !stderr)) {
          continue;
        }
        byte[] data = f.data();
        Buffer frame = Buffer.buffer(data.length + 1).appendByte((byte) channel).appendBytes(data);
        ws.writeBinaryMessage(frame);
        // a client slower than the container: reading from the shim pauses (the shim drops an attacher that
        // falls too far behind)
        if (!backpressure.awaitWritable(() -> socketClosed)) {
          throw new java.io.InterruptedIOException("attach interrupted");
        }
      }
      finish(ExecSession.success());
    } catch (IOException e) {
      // detached (the client closed the socket), or the shim broke off
      finish(socketClosed ? null : ExecSession.failure("InternalError", "error attaching to container: " + e.getMessage(), -1));
    }
  }

  private void finish(ObjectNode status) {
    Context c = context;
    c.runOnContext(v -> {
      if (!socketClosed && status != null) {
        ExecSession.closeWithStatus(ws, status);
      }
      onWriter(this::detach);
      writer.shutdown();
      reader.shutdown();
    });
  }

  private void detach() {
    ShimAttach a = attach;
    if (a != null) {
      try {
        a.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  private void onWriter(Runnable r) {
    try {
      writer.execute(r);
    } catch (RejectedExecutionException e) {
      // the session has ended
    }
  }

  @Override
  public void kill() {
    detach();
  }
}
