package io.jk.kubelet.server.portforward;

import io.jk.kubelet.server.WriteBackpressure;

import io.jk.kubelet.server.portforward.spdy.SpdyFrame;
import io.jk.kubelet.server.portforward.spdy.SpdyFramer;
import io.jk.kubelet.server.portforward.spdy.SpdyProtocolException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code kubectl port-forward} connection: SPDY/3.1 frames tunnelled in WebSocket binary
 * messages ({@code SPDY/3.1+portforward.k8s.io}, KEP-4006), the kubelet acting as the SPDY server.
 *
 * <p>For each local connection the client opens two streams with the same {@code requestid}: the
 * {@code error} stream and the {@code data} stream, both naming the {@code port}. Each stream gets
 * a SYN_REPLY; once both are open a {@link PortRelay} connects inside the pod. Data frames go to
 * the relay (a FIN half-closes the pod's socket), the pod's bytes come back on the data stream,
 * and when the relay ends both streams are finished, the error stream first carrying the reason
 * when the forward failed (as Kubernetes' kubelet does: {@code error forwarding port 80 to pod
 * ...}). An RST_STREAM ends the relay; PINGs are echoed; flow control is not enforced (nor is it
 * by Go's spdystream, kubectl's SPDY). The SPDY state lives on the WebSocket's event loop; relay
 * threads only send frames.
 */
final class SpdyPortForwardSession implements PortForwardSession {

  private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForwardSession.class);

  private final ServerWebSocket ws;
  private final Context context;
  private final PortForwardHandler.Forwarder forwarder;
  private final SpdyFramer framer = new SpdyFramer();
  private final Map<String, Forward> byRequest = new HashMap<>();
  private final Map<Integer, Forward> byStream = new HashMap<>();
  private WriteBackpressure backpressure;
  private volatile boolean closed;

  /** A forwarded connection: its two streams and relay. */
  private final class Forward {
    final String requestId;
    int errorStream;
    int dataStream;
    int port;
    PortRelay relay;
    boolean starting;
    final List<byte[]> early = new ArrayList<>();
    boolean earlyFin;
    volatile boolean dataReset;

    Forward(String requestId) {
      this.requestId = requestId;
    }
  }

  SpdyPortForwardSession(ServerWebSocket ws, Context context, PortForwardHandler.Forwarder forwarder) {
    this.ws = ws;
    this.context = context;
    this.forwarder = forwarder;
  }

  @Override
  public void start() {
    backpressure = new WriteBackpressure(ws);
    ws.binaryMessageHandler(this::onBytes);
    ws.textMessageHandler(t -> onBytes(Buffer.buffer(t)));
    ws.closeHandler(v -> close());
    ws.exceptionHandler(e -> LOG.debug("Port forward socket failed err=\"{}\"", e.getMessage()));
  }

  private void onBytes(Buffer bytes) {
    List<SpdyFrame> frames;
    try {
      frames = framer.feed(bytes.getBytes());
    } catch (SpdyProtocolException e) {
      LOG.info("Port forward protocol error pod={} err=\"{}\"", forwarder.podDescription(), e.getMessage());
      send(new SpdyFrame.GoAway(0, 1));
      ws.close((short) 1002, "SPDY protocol error");
      return;
    }
    for (SpdyFrame f : frames) {
      onFrame(f);
    }
  }

  private void onFrame(SpdyFrame f) {
    if (f instanceof SpdyFrame.SynStream s) {
      onSynStream(s);
    } else if (f instanceof SpdyFrame.Data d) {
      onData(d);
    } else if (f instanceof SpdyFrame.RstStream r) {
      Forward fw = byStream.get(r.streamId());
      if (fw != null && r.streamId() == fw.dataStream) {
        fw.dataReset = true;
        if (fw.relay != null) {
          fw.relay.kill();
        } else {
          fw.earlyFin = true;
        }
      }
    } else if (f instanceof SpdyFrame.Ping p) {
      send(p);
    } else if (f instanceof SpdyFrame.GoAway) {
      ws.close();
    }
    // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY: nothing to do for a port-forward server
  }

  private void onSynStream(SpdyFrame.SynStream s) {
    send(new SpdyFrame.SynReply(s.streamId(), false, Map.of()));
    String type = s.headers().getOrDefault("streamtype", "");
    String requestId = s.headers().getOrDefault("requestid", "");
    if (requestId.isEmpty() || !(type.equals("error") || type.equals("data"))) {
      send(new SpdyFrame.RstStream(s.streamId(), SpdyFrame.RstStream.PROTOCOL_ERROR));
      return;
    }
    Forward fw = byRequest.computeIfAbsent(requestId, Forward::new);
    byStream.put(s.streamId(), fw);
    if (type.equals("error")) {
      fw.errorStream = s.streamId();
    } else {
      fw.dataStream = s.streamId();
    }
    fw.port = parsePort(s.headers().get("port"));
    if (fw.errorStream == 0 || fw.dataStream == 0 || fw.starting) {
      return;
    }
    fw.starting = true;
    if (fw.port <= 0) {
      finish(fw, "invalid port " + s.headers().get("port") + ": want 1-65535");
      return;
    }
    forwarder.open(fw.port, new PortRelay.Listener() {
      @Override
      public void data(byte[] bytes) {
        if (!fw.dataReset) {
          backpressure.awaitWritable(() -> closed);
          send(new SpdyFrame.Data(fw.dataStream, false, bytes));
        }
      }

      @Override
      public void closed(int exitCode, String error) {
        finish(fw, exitCode == 0 || error.isEmpty() ? null : error);
      }
    }).onComplete(ar -> {
      if (ar.failed()) {
        finish(fw, ar.cause().getMessage());
        return;
      }
      fw.relay = ar.result();
      if (closed) {
        fw.relay.kill();
        return;
      }
      fw.early.forEach(fw.relay::write);
      fw.early.clear();
      if (fw.earlyFin) {
        if (fw.dataReset) {
          fw.relay.kill();
        } else {
          fw.relay.closeInput();
        }
      }
    });
  }

  private static int parsePort(String p) {
    try {
      int v = Integer.parseInt(p == null ? "" : p.trim());
      return v >= 1 && v <= 65535 ? v : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void onData(SpdyFrame.Data d) {
    Forward fw = byStream.get(d.streamId());
    if (fw == null) {
      send(new SpdyFrame.RstStream(d.streamId(), SpdyFrame.RstStream.INVALID_STREAM));
      return;
    }
    if (d.streamId() != fw.dataStream) {
      return; // the client writes nothing on the error stream but its FIN
    }
    if (fw.relay == null) {
      if (d.data().length > 0) {
        fw.early.add(d.data());
      }
      fw.earlyFin |= d.fin();
      return;
    }
    fw.relay.write(d.data());
    fw.relay.throttle(context.owner(), ws);
    if (d.fin()) {
      fw.relay.closeInput();
    }
  }

  /** Ends one forwarded connection: the reason (if any) on the error stream, then FIN on both. */
  private void finish(Forward fw, String error) {
    if (error != null) {
      String text = "error forwarding port " + fw.port + " to pod " + forwarder.podDescription() + ": " + error;
      LOG.info("Port forward failed pod={} port={} err=\"{}\"", forwarder.podDescription(), fw.port, error);
      send(new SpdyFrame.Data(fw.errorStream, false, text.getBytes(StandardCharsets.UTF_8)));
    }
    if (!fw.dataReset) {
      send(new SpdyFrame.Data(fw.dataStream, true, new byte[0]));
    }
    send(new SpdyFrame.Data(fw.errorStream, true, new byte[0]));
    context.runOnContext(v -> {
      byRequest.remove(fw.requestId);
      byStream.remove(fw.errorStream);
      byStream.remove(fw.dataStream);
    });
  }

  /** Encodes and writes one frame; encoding order is sending order (the header compressor is one stream). */
  private synchronized void send(SpdyFrame f) {
    if (!closed) {
      ws.writeBinaryMessage(Buffer.buffer(framer.encode(f)));
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    context.runOnContext(v -> {
      byRequest.values().forEach(fw -> {
        if (fw.relay != null) {
          fw.relay.kill();
        }
      });
      synchronized (this) {
        framer.close();
      }
    });
    if (!ws.isClosed()) {
      ws.close();
    }
  }
}
