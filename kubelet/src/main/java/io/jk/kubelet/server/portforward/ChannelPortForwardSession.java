package io.jk.kubelet.server.portforward;

import io.jk.kubelet.server.WriteBackpressure;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port forwarding over a WebSocket with the channel framing of {@code v4.channel.k8s.io} (what
 * fabric8's {@code portForward} speaks, and Kubernetes' kubelet): the request names
 * {@code ports=P1,P2,...}; port number {@code i} gets data channel {@code 2i} and error channel
 * {@code 2i+1}, and the first message on each channel carries the port as two little-endian
 * bytes. Every message is one channel byte and its payload. One connection per port is made
 * when the socket opens; when all have ended the socket closes. The channel framing has no
 * half-close: the client ends a connection by closing the socket.
 */
final class ChannelPortForwardSession implements PortForwardSession {

  private static final Logger LOG = LoggerFactory.getLogger(ChannelPortForwardSession.class);

  private final ServerWebSocket ws;
  private final PortForwardHandler.Forwarder forwarder;
  private final List<Integer> ports;
  private final PortRelay[] relays;
  private final AtomicInteger open;
  private WriteBackpressure backpressure;
  private volatile boolean closed;

  ChannelPortForwardSession(ServerWebSocket ws, PortForwardHandler.Forwarder forwarder, List<Integer> ports) {
    this.ws = ws;
    this.forwarder = forwarder;
    this.ports = ports;
    this.relays = new PortRelay[ports.size()];
    this.open = new AtomicInteger(ports.size());
  }

  @Override
  public void start() {
    backpressure = new WriteBackpressure(ws);
    ws.closeHandler(v -> close());
    ws.exceptionHandler(e -> LOG.debug("Port forward socket failed err=\"{}\"", e.getMessage()));
    ws.pause(); // until the relays are there: no early byte is lost
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      byte[] prefix = {(byte) (port & 0xff), (byte) (port >>> 8)};
      ws.writeBinaryMessage(message(2 * i, prefix));
      ws.writeBinaryMessage(message(2 * i + 1, prefix));
    }
    ws.binaryMessageHandler(this::onMessage);
    AtomicInteger started = new AtomicInteger();
    for (int i = 0; i < ports.size(); i++) {
      int index = i;
      forwarder.open(ports.get(i), new PortRelay.Listener() {
        @Override
        public void data(byte[] bytes) {
          backpressure.awaitWritable(() -> closed);
          send(2 * index, bytes);
        }

        @Override
        public void closed(int exitCode, String error) {
          ended(index, exitCode == 0 || error.isEmpty() ? null : error);
        }
      }).onComplete(ar -> {
        if (ar.succeeded()) {
          relays[index] = ar.result();
          if (closed) {
            ar.result().kill();
          }
        } else {
          ended(index, ar.cause().getMessage());
        }
        if (started.incrementAndGet() == ports.size()) {
          ws.resume();
        }
      });
    }
  }

  private void onMessage(Buffer msg) {
    if (msg.length() < 1) {
      return;
    }
    int channel = msg.getUnsignedByte(0);
    int index = channel / 2;
    if (channel % 2 == 1 || index >= relays.length || relays[index] == null) {
      return; // errors come from us only; a dead connection's bytes are dropped
    }
    relays[index].write(msg.getBytes(1, msg.length()));
    relays[index].throttle(io.vertx.core.Vertx.currentContext().owner(), ws);
  }

  private void ended(int index, String error) {
    if (error != null) {
      String text = "error forwarding port " + ports.get(index) + " to pod " + forwarder.podDescription() + ": " + error;
      LOG.info("Port forward failed pod={} port={} err=\"{}\"", forwarder.podDescription(), ports.get(index), error);
      send(2 * index + 1, text.getBytes(StandardCharsets.UTF_8));
    }
    if (open.decrementAndGet() == 0 && !ws.isClosed()) {
      ws.close();
    }
  }

  private static Buffer message(int channel, byte[] payload) {
    return Buffer.buffer(payload.length + 1).appendByte((byte) channel).appendBytes(payload);
  }

  private void send(int channel, byte[] payload) {
    if (!closed) {
      ws.writeBinaryMessage(message(channel, payload));
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (PortRelay r : relays) {
      if (r != null) {
        r.kill();
      }
    }
    if (!ws.isClosed()) {
      ws.close();
    }
  }
}
