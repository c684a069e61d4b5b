package io.jk.kubelet.server;

import io.vertx.core.http.ServerWebSocket;
import java.util.function.BooleanSupplier;

/**
 * Back-pressure from a client's WebSocket to a thread that reads from the pod (a port-forward relay, a
 * container's shim): after each write the reader waits while the socket's write queue is full, so a client
 * slower than the pod costs no growing backlog in the kubelet. Create it on the socket's context (it sets the
 * socket's drain handler); {@link #awaitWritable} is called from the reader's own thread.
 */
public final class WriteBackpressure {
  private final ServerWebSocket ws;
  private final Object drain = new Object();

  public WriteBackpressure(ServerWebSocket ws) {
    this.ws = ws;
    ws.drainHandler(v -> wake());
  }

  /** Wakes waiting readers, e.g. when the session ends. */
  public void wake() {
    synchronized (drain) {
      drain.notifyAll();
    }
  }

  /**
   * Returns once the socket's write queue has room or {@code stop} is true (re-checked at least every 100 ms);
   * false when the thread was interrupted.
   */
  public boolean awaitWritable(BooleanSupplier stop) {
    synchronized (drain) {
      while (!stop.getAsBoolean() && ws.writeQueueFull()) {
        try {
          drain.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }
}
