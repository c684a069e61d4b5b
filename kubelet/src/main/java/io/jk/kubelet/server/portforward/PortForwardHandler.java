package io.jk.kubelet.server.portforward;

import io.jk.kubelet.server.PodContainers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's {@code /portForward/<namespace>/<pod>} endpoint, a WebSocket in either protocol:
 * {@code SPDY/3.1+portforward.k8s.io} (SPDY tunnelled in WebSocket messages, what the API server
 * passes through from {@code kubectl port-forward}) or {@code v4.channel.k8s.io} with
 * {@code ?ports=...} (fabric8's {@code portForward}). Each forwarded connection is a
 * {@code jkportfwd} process connecting to {@code localhost:PORT} inside the pod's network
 * namespace.
 *
 * <p>Usage: {@code new PortForwardHandler(vertx, pods, relayBinary)}; {@link #handle} each request
 * whose path starts with {@code /portForward/}; {@link #close} ends every session.
 */
public final class PortForwardHandler {

  private static final Logger LOG = LoggerFactory.getLogger(PortForwardHandler.class);
  /** The WebSocket subprotocol of SPDY tunnelled in WebSocket messages (KEP-4006). */
  public static final String SPDY_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io";
  /** The subprotocols the endpoint accepts. */
  public static final List<String> PROTOCOLS = List.of(SPDY_TUNNEL_PROTOCOL, "v4.channel.k8s.io");
  /** The relay's file name, beside {@code jkshim} and {@code pause}. */
  public static final String RELAY_NAME = "jkportfwd";

  private final Vertx vertx;
  private final PodContainers pods;
  private final Path relayBinary;
  private final Set<PortForwardSession> sessions = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kubelet-portforward");
    t.setDaemon(true);
    return t;
  });

  /**
   * A handler starting {@code relayBinary} for each connection; with {@code null} the relay is
   * looked up beside the first container's OCI runtime, then in {@code $JK_RUNTIME_BIN} and
   * {@code /usr/lib/jk/bin}.
   */
  public PortForwardHandler(Vertx vertx, PodContainers pods, Path relayBinary) {
    this.vertx = vertx;
    this.pods = pods;
    this.relayBinary = relayBinary;
  }

  /** Opens connections to one pod; made per WebSocket. */
  final class Forwarder {
    private final String namespace;
    private final String name;
    private volatile String description;

    Forwarder(String namespace, String name) {
      this.namespace = namespace;
      this.name = name;
      this.description = namespace + "/" + name;
    }

    /** The pod as error messages name it: {@code ns/name, uid U}. */
    String podDescription() {
      return description;
    }

    /** Finds the pod's network namespace now (its containers may have restarted) and starts a relay to {@code port}. */
    Future<PortRelay> open(int port, PortRelay.Listener listener) {
      return vertx.executeBlocking(() -> {
        PodNetns.Target t;
        try {
          t = PodNetns.resolve(pods, namespace, name);
        } catch (PodNetns.NotForwardable e) {
          throw new IllegalStateException(e.getMessage());
        }
        description = namespace + "/" + name + ", uid " + t.pod().getMetadata().getUid();
        Path relay = relay(namespace, name);
        PortRelay r = PortRelay.start(relay, t.netns(), port, listener, threads);
        LOG.debug("Port forward started pod={} port={} relayPid={}", description, port, r.pid());
        return r;
      }, false);
    }
  }

  private Path relay(String namespace, String name) {
    if (relayBinary != null) {
      return relayBinary;
    }
    List<Path> candidates = new ArrayList<>();
    pods.pods().stream().filter(p -> namespace.equals(p.getMetadata().getNamespace())
        && name.equals(p.getMetadata().getName())).findFirst().ifPresent(p -> p.getSpec().getContainers()
        .forEach(c -> pods.find(namespace, name, c.getName(), false)
            .ifPresent(h -> candidates.add(h.runtimePath().resolveSibling(RELAY_NAME)))));
    String env = System.getenv("JK_RUNTIME_BIN");
    if (env != null) {
      candidates.add(Path.of(env, RELAY_NAME));
    }
    candidates.add(Path.of("/usr/lib/jk/bin", RELAY_NAME));
    return candidates.stream().filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IllegalStateException("port forwarding is not available on this node: no "
            + RELAY_NAME + " in " + candidates));
  }

  /** Serves {@code /portForward/<namespace>/<pod>[?ports=...]}; answers the request itself. */
  public void handle(HttpServerRequest req) {
    String[] parts = req.path().substring("/portForward/".length()).split("/");
    if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      plain(req, 400, "expected /portForward/<namespace>/<pod>");
      return;
    }
    String ns = java.net.URLDecoder.decode(parts[0], java.nio.charset.StandardCharsets.UTF_8);
    String name = java.net.URLDecoder.decode(parts[1], java.nio.charset.StandardCharsets.UTF_8);
    String upgrade = req.getHeader("Upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      plain(req, 400, "port forwarding needs a WebSocket upgrade with subprotocol " + String.join(" or ", PROTOCOLS));
      return;
    }
    List<Integer> ports;
    try {
      ports = ports(req.params().getAll("ports"));
    } catch (IllegalArgumentException e) {
      plain(req, 400, e.getMessage());
      return;
    }
    req.pause(); // the lookup runs processes: off the event loop, the request kept unread for the upgrade
    vertx.executeBlocking(() -> PodNetns.resolve(pods, ns, name), false).onComplete(ar -> {
      if (ar.failed()) {
        req.resume();
        int code = ar.cause() instanceof PodNetns.NotForwardable nf ? nf.status : 500;
        plain(req, code, ar.cause().getMessage());
        return;
      }
      Future<ServerWebSocket> upgraded = req.toWebSocket();
      req.resume();
      upgraded.onSuccess(ws -> accept(ws, new Forwarder(ns, name), ports))
          .onFailure(e -> LOG.warn("Port forward upgrade failed err=\"{}\"", e.getMessage()));
    });
  }

  private void accept(ServerWebSocket ws, Forwarder forwarder, List<Integer> ports) {
    String protocol = ws.subProtocol();
    PortForwardSession session;
    if (SPDY_TUNNEL_PROTOCOL.equals(protocol)) {
      session = new SpdyPortForwardSession(ws, vertx.getOrCreateContext(), forwarder);
    } else if (protocol != null && protocol.endsWith(".channel.k8s.io")) {
      if (ports.isEmpty()) {
        ws.close((short) 1008, "query parameter \"ports\" is required");
        return;
      }
      session = new ChannelPortForwardSession(ws, forwarder, ports);
    } else {
      ws.close((short) 1002, "a subprotocol " + String.join(" or ", PROTOCOLS) + " is required");
      return;
    }
    sessions.add(session);
    session.start();
    ws.closeHandler(v -> { // replaces the session's own: also forgets it
      sessions.remove(session);
      session.close();
    });
  }

  /** {@code ports=80,8080} (or repeated): each 1-65535. */
  static List<Integer> ports(List<String> values) {
    List<Integer> out = new ArrayList<>();
    for (String v : values) {
      for (String p : v.split(",")) {
        if (p.isBlank()) {
          continue;
        }
        int port;
        try {
          port = Integer.parseInt(p.trim());
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("invalid port \"" + p.trim() + "\": want 1-65535");
        }
        out.add(port);
      }
    }
    return out;
  }

  private static void plain(HttpServerRequest req, int code, String text) {
    req.response().setStatusCode(code).putHeader("Content-Type", "text/plain; charset=utf-8").end(text + "\n");
  }

  /** Ends every session (their relay processes) and the relay threads. */
  public void close() {
    sessions.forEach(PortForwardSession::close);
    threads.shutdownNow();
  }
}
