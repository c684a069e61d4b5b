package io.jk.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code pods/<name>/log} and {@code pods/<name>/exec} by proxying them to the kubelet of
 * the pod's node: {@code https://<InternalIP>:<kubeletEndpoint.Port>/containerLogs/...} streamed
 * back chunk by chunk, and {@code /exec/...} bridged frame by frame over WebSocket with the
 * subprotocol the client offered ({@code v5.channel.k8s.io} or {@code v4.channel.k8s.io}).
 *
 * <p>It also forwards {@code nodes/<name>/proxy/<path>} requests ({@link #forward}, used by
 * {@link NodeProxy}), streaming bodies both ways.
 *
 * <p>The API server authenticates to kubelets with the {@link KubeletClientCredentials} given to
 * the constructor (the API server's configuration carries them). Without them the proxy connects
 * with no client certificate, and a kubelet that requires one answers 401.
 */
public final class KubeletProxy {

  private static final Logger LOG = LoggerFactory.getLogger(KubeletProxy.class);
  private static final List<String> EXEC_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
  /** kubectl port-forward's SPDY/3.1 tunnelled in WebSocket messages (KEP-4006); fabric8's is v4. */
  private static final List<String> PORT_FORWARD_PROTOCOLS = List.of("SPDY/3.1+portforward.k8s.io", "v4.channel.k8s.io");
  /** Every WebSocket subprotocol the API server must accept (its HTTP server's option). */
  public static final List<String> WEBSOCKET_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io",
      "SPDY/3.1+portforward.k8s.io");
  /** Request and response headers that belong to one hop and are never forwarded. */
  private static final java.util.Set<String> HOP_BY_HOP = java.util.Set.of("connection", "keep-alive",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "authorization", "content-length");
  private static volatile KubeletClientCredentials legacyCredentials;

  private final HttpClient http;
  private final WebSocketClient webSockets;

  /**
   * A proxy whose clients run on {@code vertx} and present {@code creds} to kubelets ({@code null}:
   * no client certificate, kubelet serving certificates not checked).
   */
  public KubeletProxy(Vertx vertx, KubeletClientCredentials creds) {
    HttpClientOptions h = new HttpClientOptions().setSsl(true).setConnectTimeout(10_000).setMaxPoolSize(64)
        .setVerifyHost(false);
    WebSocketClientOptions w = new WebSocketClientOptions().setSsl(true).setConnectTimeout(10_000).setVerifyHost(false)
        .setMaxFrameSize(1024 * 1024).setMaxMessageSize(16 * 1024 * 1024);
    KubeletClientCredentials.applyTo(creds, h);
    KubeletClientCredentials.applyTo(creds, w);
    this.http = vertx.createHttpClient(h);
    this.webSockets = vertx.createWebSocketClient(w);
  }

  private static final String UPGRADE_KEY = KubeletProxy.class.getName() + ".upgrade";

  /**
   * For an exec WebSocket request, starts the upgrade at once (call it first thing in the
   * handler: a request already read to its end can no longer be upgraded); later failures are
   * then reported as a Status frame on channel 3.
   */
  public static void acceptUpgrade(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader("Upgrade");
    if (upgrade != null && upgrade.equalsIgnoreCase("websocket") && (ctx.request().path().endsWith("/exec")
        || ctx.request().path().endsWith("/attach") || ctx.request().path().endsWith("/portforward"))
        && selectProtocol(ctx) != null) {
      // paused until bridged to the kubelet, so that no early frame (stdin) is lost
      ctx.put(UPGRADE_KEY, ctx.request().toWebSocket().map(ws -> ws.pause()));
    }
  }

  private static String selectProtocol(RoutingContext ctx) {
    String offered = ctx.request().getHeader("Sec-WebSocket-Protocol");
    List<String> known = ctx.request().path().endsWith("/portforward") ? PORT_FORWARD_PROTOCOLS : EXEC_PROTOCOLS;
    if (offered != null) {
      for (String p : offered.split(",")) {
        if (known.contains(p.trim())) {
          return p.trim();
        }
      }
    }
    return null;
  }

  /**
   * Process-wide credentials, used by API servers whose configuration carries none.
   *
   * @deprecated give them to the server with {@code ApiServerConfig.withKubeletCredentials}
   */
  @Deprecated
  public static void configure(KubeletClientCredentials creds) {
    legacyCredentials = creds;
  }

  /** {@code configured} when not null, else what {@link #configure} set (null when nothing was). */
  public static KubeletClientCredentials credentialsOr(KubeletClientCredentials configured) {
    return configured != null ? configured : legacyCredentials;
  }

  /**
   * Serves {@code ctx} ({@code log} or {@code exec}) for {@code pod} running on {@code node}
   * (null when the pod is not scheduled or its Node is gone). Answers {@code ctx} itself, also
   * with a Status on failure.
   */
  public void serve(RoutingContext ctx, String subresource, ObjectNode pod, ObjectNode node) {
    try {
      if ("portforward".equals(subresource)) {
        portForward(ctx, KubeletTarget.forPod(pod, node));
        return;
      }
      KubeletTarget target = KubeletTarget.resolve(subresource, pod, node, ctx.request().getParam("container"),
          isTrue(ctx.request().getParam("previous")));
      if ("log".equals(subresource)) {
        logs(ctx, target);
      } else {
        exec(ctx, target, subresource);
      }
    } catch (ApiException e) {
      if (!failUpgrade(ctx, e)) {
        HttpReplies.fail(ctx, e);
      }
    }
  }

  private static boolean isTrue(String v) {
    return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
  }

  private static String query(MultiMap params, List<String> names) {
    StringBuilder q = new StringBuilder();
    for (String n : names) {
      for (String v : params.getAll(n)) {
        q.append(q.length() == 0 ? '?' : '&').append(n).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    }
    return q.toString();
  }

  private void logs(RoutingContext ctx, KubeletTarget t) {
    String uri = "/containerLogs/" + t.path() + query(ctx.request().params(),
        List.of("follow", "tailLines", "timestamps", "previous", "sinceSeconds", "sinceTime", "limitBytes"));
    String url = "https://" + t.hostPort() + uri;
    HttpServerResponse out = ctx.response();
    http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(t.host()).setPort(t.port()).setURI(uri))
        .compose(req -> req.send())
        .onSuccess(resp -> {
          if (resp.statusCode() != 200) {
            relayError(ctx, resp, url);
            return;
          }
          out.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain");
          out.closeHandler(v -> resp.request().connection().close());
          resp.handler(chunk -> {
            if (!out.closed()) {
              out.write(chunk); // written through at once: one chunk per kubelet chunk
            }
          });
          resp.endHandler(v -> {
            if (!out.ended() && !out.closed()) {
              out.end();
            }
          });
          resp.exceptionHandler(e -> {
            if (!out.ended() && !out.closed()) {
              out.end();
            }
          });
        })
        .onFailure(e -> HttpReplies.fail(ctx, dialError("Get", url, t, e)));
  }

  private static void relayError(RoutingContext ctx, HttpClientResponse resp, String url) {
    resp.body().onComplete(ar -> {
      String text = ar.succeeded() ? ar.result().toString(StandardCharsets.UTF_8).trim() : "";
      int code = resp.statusCode();
      String reason = switch (code) {
        case 400 -> "BadRequest";
        case 401 -> "Unauthorized";
        case 403 -> "Forbidden";
        case 404 -> "NotFound";
        default -> "InternalError";
      };
      if (text.isEmpty()) {
        text = "the kubelet answered " + code + " for " + url;
      }
      HttpReplies.fail(ctx, new ApiException(code >= 400 && code < 600 ? code : 500, reason, text, null));
    });
  }

  private static ApiException dialError(String verb, String url, KubeletTarget t, Throwable e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    String why = msg.toLowerCase().contains("refused") ? "connect: connection refused" : msg;
    LOG.warn("Kubelet unreachable node={} address={} err=\"{}\"", t.nodeName(), t.hostPort(), msg);
    return ApiException.internal(verb + " \"" + url + "\": dial tcp " + t.hostPort() + ": " + why);
  }

  /**
   * {@code pods/portforward}: the client's WebSocket is bridged message by message to the kubelet's
   * {@code /portForward/<ns>/<pod>} in the same subprotocol: SPDY tunnelled in WebSocket messages
   * (kubectl) or the v4 channel framing with {@code ?ports=} (fabric8). The kubelet speaks both.
   */
  private void portForward(RoutingContext ctx, KubeletTarget t) {
    Future<ServerWebSocket> upgrading = ctx.get(UPGRADE_KEY);
    if (upgrading == null) {
      String upgrade = ctx.request().getHeader("Upgrade");
      HttpReplies.fail(ctx, ApiException.badRequest(upgrade != null && upgrade.equalsIgnoreCase("websocket")
          ? "port forwarding needs the WebSocket subprotocol " + String.join(" or ", PORT_FORWARD_PROTOCOLS) + ", got "
              + ctx.request().getHeader("Sec-WebSocket-Protocol")
          // the legacy raw SPDY upgrade is a POST, and Vert.x hands over the connection of a GET upgrade only
          : "Upgrade request required: port forwarding is served over WebSocket (" + String.join(" or ",
              PORT_FORWARD_PROTOCOLS) + "); the raw SPDY/3.1 upgrade is not supported"));
      return;
    }
    String protocol = selectProtocol(ctx);
    String uri = "/portForward/" + t.path() + query(ctx.request().params(), List.of("ports"));
    String url = "https://" + t.hostPort() + uri;
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(t.host()).setPort(t.port()).setURI(uri)
        .setSsl(true).addSubProtocol(protocol);
    upgrading.onComplete(cr -> {
      if (cr.failed()) {
        LOG.warn("Port forward upgrade failed pod={} err=\"{}\"", t.path(), cr.cause().getMessage());
        return;
      }
      ServerWebSocket client = cr.result();
      webSockets.connect(opts).onComplete(ar -> {
        if (ar.failed()) {
          ApiException e = upstreamFailure(url, t, ar.cause());
          LOG.info("Port forward to kubelet failed pod={} err=\"{}\"", t.path(), e.getMessage());
          client.close((short) 1011, truncate(e.getMessage()));
          return;
        }
        bridge(client, ar.result());
        client.resume();
      });
    });
  }

  /** A WebSocket close reason holds at most 123 bytes. */
  private static String truncate(String s) {
    byte[] b = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    return b.length <= 120 ? s : new String(b, 0, 120, StandardCharsets.UTF_8);
  }

  /** {@code exec} or {@code attach}: the WebSocket bridged to the kubelet's {@code /exec/...} or {@code /attach/...}. */
  private void exec(RoutingContext ctx, KubeletTarget t, String sub) {
    Future<ServerWebSocket> upgrading = ctx.get(UPGRADE_KEY);
    if (upgrading == null) {
      String upgrade = ctx.request().getHeader("Upgrade");
      HttpReplies.fail(ctx, ApiException.badRequest(upgrade != null && upgrade.equalsIgnoreCase("websocket")
          ? sub + " needs the WebSocket subprotocol v5.channel.k8s.io or v4.channel.k8s.io, got "
              + ctx.request().getHeader("Sec-WebSocket-Protocol")
          : "Upgrade request required: " + sub + " is served over WebSocket (v5.channel.k8s.io or v4.channel.k8s.io); "
              + "SPDY is not supported"));
      return;
    }
    String protocol = selectProtocol(ctx);
    String uri = "/" + sub + "/" + t.path() + query(ctx.request().params(), List.of("command", "stdin", "stdout", "stderr", "tty"));
    String url = "https://" + t.hostPort() + uri;
    WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(t.host()).setPort(t.port()).setURI(uri)
        .setSsl(true).addSubProtocol(protocol);
    upgrading.onComplete(cr -> {
      if (cr.failed()) {
        LOG.warn("Stream upgrade failed subresource={} pod={} err=\"{}\"", sub, t.path(), cr.cause().getMessage());
        return;
      }
      ServerWebSocket client = cr.result();
      webSockets.connect(opts).onComplete(ar -> {
        if (ar.failed()) {
          closeWithStatus(client, upstreamFailure(url, t, ar.cause()));
          return;
        }
        bridge(client, ar.result());
        client.resume();
      });
    });
  }

  /**
   * When {@code ctx} is an exec request whose WebSocket upgrade has started, reports {@code error}
   * as the channel-3 Status frame and returns true; otherwise returns false (answer it over HTTP).
   */
  public static boolean failUpgrade(RoutingContext ctx, Throwable error) {
    Future<ServerWebSocket> upgrading = ctx.get(UPGRADE_KEY);
    if (upgrading == null) {
      return false;
    }
    if (ctx.request().path().endsWith("/portforward")) {
      // no Status channel in a port-forward stream: the reason goes in the close frame
      upgrading.onSuccess(ws -> ws.close((short) 1011, truncate(HttpReplies.toApi(error).getMessage())));
      return true;
    }
    upgrading.onSuccess(ws -> closeWithStatus(ws, HttpReplies.toApi(error)));
    return true;
  }

  private static void closeWithStatus(ServerWebSocket ws, ApiException e) {
    byte[] json = e.toStatus().toString().getBytes(StandardCharsets.UTF_8);
    ws.writeBinaryMessage(Buffer.buffer(json.length + 1).appendByte((byte) 3).appendBytes(json));
    ws.close((short) 1000);
  }

  private static ApiException upstreamFailure(String url, KubeletTarget t, Throwable e) {
    if (e instanceof io.vertx.core.http.UpgradeRejectedException rejected) {
      String body = rejected.getBody() == null ? "" : rejected.getBody().toString(StandardCharsets.UTF_8).trim();
      int code = rejected.getStatus();
      if (body.isEmpty()) {
        body = "the kubelet refused the exec with " + code;
      }
      return new ApiException(code == 404 ? 404 : code >= 400 && code < 500 ? 400 : 500,
          code == 404 ? "NotFound" : code >= 400 && code < 500 ? "BadRequest" : "InternalError", body, null);
    }
    return dialError("Get", url, t, e);
  }

  /** Copies frames both ways; a close on either side closes the other with the same code. */
  private static void bridge(ServerWebSocket client, WebSocket kubelet) {
    client.binaryMessageHandler(kubelet::writeBinaryMessage);
    client.textMessageHandler(kubelet::writeTextMessage);
    kubelet.binaryMessageHandler(client::writeBinaryMessage);
    kubelet.textMessageHandler(client::writeTextMessage);
    kubelet.closeHandler(v -> {
      if (!client.isClosed()) {
        Short code = kubelet.closeStatusCode();
        client.close(code == null ? (short) 1000 : code, kubelet.closeReason());
      }
    });
    client.closeHandler(v -> {
      if (!kubelet.isClosed()) {
        kubelet.close();
      }
    });
    kubelet.exceptionHandler(e -> {
      if (!client.isClosed()) {
        client.close((short) 1011, "kubelet stream failed");
      }
    });
    kubelet.resume();
  }

  /** Where one request goes: the node's kubelet and the container path. */
  record KubeletTarget(String nodeName, String host, int port, String path) {

    /** A port-forward to {@code pod}: the kubelet of its node and {@code <ns>/<pod>}. */
    static KubeletTarget forPod(ObjectNode pod, ObjectNode node) {
      String ns = pod.path("metadata").path("namespace").asText();
      String name = pod.path("metadata").path("name").asText();
      String nodeName = pod.path("spec").path("nodeName").asText("");
      if (nodeName.isEmpty()) {
        throw ApiException.badRequest("pod " + name + " does not have a host assigned");
      }
      String phase = pod.path("status").path("phase").asText("");
      if (phase.equals("Succeeded") || phase.equals("Failed")) {
        throw ApiException.badRequest("cannot port-forward to a completed pod; current phase is " + phase);
      }
      if (node == null) {
        throw ApiException.notFound(nodeType(), nodeName);
      }
      KubeletAddress address = KubeletAddress.of(node);
      return new KubeletTarget(nodeName, address.host(), address.port(), enc(ns) + "/" + enc(name));
    }

    String hostPort() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    static KubeletTarget resolve(String sub, ObjectNode pod, ObjectNode node, String container, boolean previous) {
      String ns = pod.path("metadata").path("namespace").asText();
      String name = pod.path("metadata").path("name").asText();
      List<String> names = new ArrayList<>();
      pod.path("spec").path("containers").forEach(c -> names.add(c.path("name").asText()));
      List<String> all = new ArrayList<>(names);
      pod.path("spec").path("initContainers").forEach(c -> all.add(c.path("name").asText()));
      pod.path("spec").path("ephemeralContainers").forEach(c -> all.add(c.path("name").asText()));
      if (container == null || container.isEmpty()) {
        if (names.size() != 1) {
          throw ApiException.badRequest("a container name must be specified for pod " + name + ", choose one of: "
              + names.toString().replace(",", ""));
        }
        container = names.get(0);
      } else if (!all.contains(container)) {
        throw ApiException.badRequest("container " + container + " is not valid for pod " + name);
      }
      String nodeName = pod.path("spec").path("nodeName").asText("");
      if (nodeName.isEmpty()) {
        if ("exec".equals(sub) || "attach".equals(sub)) {
          throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
        throw ApiException.badRequest(waitingMessage(pod, name, container));
      }
      if ("exec".equals(sub)) {
        String phase = pod.path("status").path("phase").asText("");
        if (phase.equals("Succeeded") || phase.equals("Failed")) {
          throw ApiException.badRequest("cannot exec into a container in a completed pod; current phase is " + phase);
        }
      }
      // a container that has not run yet has no log (one restarting shows its last instance's)
      JsonNode status = containerStatus(pod, container);
      boolean neverRan = status == null
          || status.path("state").has("waiting") && !status.path("lastState").has("terminated");
      if (!previous && neverRan) {
        throw ApiException.badRequest(waitingMessage(pod, name, container));
      }
      if (node == null) {
        throw ApiException.notFound(nodeType(), nodeName);
      }
      KubeletAddress address = KubeletAddress.of(node);
      return new KubeletTarget(nodeName, address.host(), address.port(),
          enc(ns) + "/" + enc(name) + "/" + enc(container));
    }

    /** Kubernetes' words for a container that has not started: {@code ... is waiting to start: ContainerCreating}. */
    private static String waitingMessage(ObjectNode pod, String name, String container) {
      JsonNode s = containerStatus(pod, container);
      String reason = s == null ? "ContainerCreating" : s.path("state").path("waiting").path("reason").asText("ContainerCreating");
      return "container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " + reason;
    }

    private static JsonNode containerStatus(ObjectNode pod, String container) {
      for (String field : List.of("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")) {
        for (JsonNode s : pod.path("status").path(field)) {
          if (s.path("name").asText().equals(container)) {
            return s;
          }
        }
      }
      return null;
    }

    private static String enc(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
  }

  private static io.jk.apiserver.registry.ResourceType nodeType() {
    return io.jk.apiserver.registry.ResourceTypes.builtIn().find("", "v1", "nodes").orElseThrow();
  }

  /** Closes this proxy's HTTP and WebSocket clients. */
  public Future<Void> close() {
    return Future.all(http.close(), webSockets.close()).mapEmpty();
  }

  /**
   * Nothing to close any more: each API server closes its own proxy.
   *
   * @deprecated proxies belong to their API server
   */
  @Deprecated
  public static Future<Void> closeAll() {
    return Future.succeededFuture();
  }

  /**
   * Forwards {@code ctx}'s request (method, headers but the hop-by-hop ones and the client's
   * credentials, body) to {@code https://host:port<uri>} and its answer back, streaming both
   * bodies with back-pressure. The request must be paused and its body not read yet. Answers
   * {@code ctx} itself; a kubelet that cannot be reached gives 503 as Kubernetes'
   * {@code Error trying to reach service: ...}.
   */
  public void forward(RoutingContext ctx, String nodeName, String host, int port, String uri) {
    HttpServerRequest in = ctx.request();
    KubeletTarget t = new KubeletTarget(nodeName, host, port, "");
    RequestOptions opts = new RequestOptions().setMethod(in.method()).setHost(host).setPort(port).setURI(uri);
    in.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !name.startsWith("impersonate-")) {
        opts.addHeader(h.getKey(), h.getValue());
      }
    });
    String length = in.getHeader("Content-Length");
    boolean hasBody = length != null ? !length.trim().equals("0") : in.getHeader("Transfer-Encoding") != null;
    if (hasBody && length != null) {
      opts.putHeader("Content-Length", length.trim());
    }
    HttpServerResponse out = ctx.response();
    http.request(opts).compose(req -> {
      if (!hasBody) {
        in.resume();
        return req.send();
      }
      if (length == null) {
        req.setChunked(true);
      }
      return req.send(in);
    }).onSuccess(resp -> {
      if (out.ended() || out.closed()) {
        resp.request().connection().close();
        return;
      }
      out.setStatusCode(resp.statusCode()).setStatusMessage(resp.statusMessage());
      resp.headers().forEach(h -> {
        if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
          out.headers().add(h.getKey(), h.getValue());
        }
      });
      String respLength = resp.getHeader("Content-Length");
      if (respLength != null) {
        out.putHeader("Content-Length", respLength);
      } else {
        out.setChunked(true);
      }
      out.closeHandler(v -> resp.request().connection().close());
      resp.pipeTo(out).onFailure(e -> {
        LOG.debug("Node proxy response stream ended early node={} err=\"{}\"", nodeName, e.getMessage());
        resp.request().connection().close();
      });
    }).onFailure(e -> {
      if (out.headWritten()) {
        ctx.request().connection().close();
        return;
      }
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      String why = msg.toLowerCase(java.util.Locale.ROOT).contains("refused") ? "connect: connection refused" : msg;
      LOG.warn("Kubelet unreachable node={} address={} err=\"{}\"", nodeName, t.hostPort(), msg);
      HttpReplies.fail(ctx, new ApiException(503, "ServiceUnavailable", "Error trying to reach service: 'dial tcp "
          + t.hostPort() + ": " + why + "'", null));
    });
  }
}
