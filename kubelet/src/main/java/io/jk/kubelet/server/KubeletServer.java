package io.jk.kubelet.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.jk.common.json.Json;
import io.jk.kubelet.image.ImageService;
import io.jk.kubelet.server.portforward.PortForwardHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's HTTPS API (port 10250): {@code /healthz}, {@code /pods},
 * {@code /containerLogs/<ns>/<pod>/<container>}, {@code /exec/<ns>/<pod>/<container>} and
 * {@code /attach/<ns>/<pod>/<container>} (WebSocket, {@code v5.channel.k8s.io} / {@code v4.channel.k8s.io}),
 * {@code /portForward/<ns>/<pod>} ({@link PortForwardHandler}), {@code /stats/summary} and {@code /metrics}.
 *
 * <p>Every request must carry a client certificate issued by the configured client CA (the API
 * server's {@code kubelet-client} certificate) or a bearer token from the token file; anonymous
 * requests get 401. There is no per-request authorization (Kubernetes asks a SubjectAccessReview):
 * whoever authenticates may use every endpoint.
 *
 * <p>Usage: {@code new KubeletServer(vertx, config, podContainers, nodeName).start()}, then
 * {@link #port()}; {@link #stop()} closes the listener and ends running execs.
 */
public final class KubeletServer {

  private static final Logger LOG = LoggerFactory.getLogger(KubeletServer.class);
  /** The subprotocols offered for exec, newest first. */
  public static final List<String> EXEC_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");

  private final Vertx vertx;
  private final KubeletServerConfig config;
  private final PodContainers pods;
  private final RequestAuthenticator authenticator;
  private final StatsSummary stats;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Set<StreamSession> sessions = ConcurrentHashMap.newKeySet();
  private PortForwardHandler portForwards;
  private WorkerExecutor workers;
  private volatile ImageService images;
  private volatile Path uploadDir;
  private HttpServer server;

  public KubeletServer(Vertx vertx, KubeletServerConfig config, PodContainers pods, String nodeName) {
    this(vertx, config, pods, nodeName, Path.of("/sys/fs/cgroup"));
  }

  /** A server reading stats from cgroup hierarchies under {@code cgroupRoot}. */
  public KubeletServer(Vertx vertx, KubeletServerConfig config, PodContainers pods, String nodeName, Path cgroupRoot) {
    this.vertx = vertx;
    this.config = config;
    this.pods = pods;
    this.authenticator = new RequestAuthenticator(config.clientCaFile() != null, config.tokenFile());
    this.stats = new StatsSummary(cgroupRoot, nodeName);
    this.portForwards = new PortForwardHandler(vertx, pods, null);
  }

  /**
   * Serves {@code POST /images/import} into {@code images}, streaming each upload to a temporary file in
   * {@code uploadDir} (on the image store's file system) first. Without it the endpoint answers 404.
   */
  public KubeletServer withImageImport(ImageService images, Path uploadDir) {
    this.images = images;
    this.uploadDir = uploadDir;
    return this;
  }

  /**
   * Starts {@code relay} ({@code jkportfwd}) for each port-forwarded connection; without it the relay
   * is looked up beside the OCI runtime, in {@code $JK_RUNTIME_BIN}, then in {@code /usr/lib/jk/bin}.
   */
  public KubeletServer withPortForwardRelay(Path relay) {
    this.portForwards = new PortForwardHandler(vertx, pods, relay);
    return this;
  }

  /** Listens; fails when the certificate cannot be made or read or the port is taken. */
  public Future<Void> start() {
    workers = vertx.createSharedWorkerExecutor("kubelet-server", 16);
    return workers.<HttpServerOptions>executeBlocking(this::serverOptions, false)
        .compose(opts -> vertx.createHttpServer(opts).requestHandler(this::handle).listen())
        .map(s -> {
          server = s;
          LOG.info("Kubelet server listening address={} port={}", config.address(), s.actualPort());
          return null;
        });
  }

  /** Stops listening and ends running execs. */
  public Future<Void> stop() {
    sessions.forEach(StreamSession::kill);
    portForwards.close();
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.onComplete(ar -> {
      if (workers != null) {
        workers.close();
      }
      metrics.close();
    });
  }

  /** The port listened on (after {@link #start()}). */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  private HttpServerOptions serverOptions() throws Exception {
    HttpServerOptions opts = new HttpServerOptions().setHost(config.address()).setPort(config.port()).setSsl(true)
        .setWebSocketSubProtocols(java.util.stream.Stream.concat(EXEC_PROTOCOLS.stream(),
            java.util.stream.Stream.of(PortForwardHandler.SPDY_TUNNEL_PROTOCOL)).toList()).setCompressionSupported(false);
    if (config.tlsCertFile() != null) {
      opts.setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tlsCertFile().toString())
          .setKeyPath(config.tlsKeyFile().toString()));
    } else {
      SelfSignedCertificate self = SelfSignedCertificate.loadOrCreate(config.stateDir());
      opts.setKeyCertOptions(new PfxOptions().setPath(self.keystore().toString()).setPassword(self.password()));
    }
    if (config.clientCaFile() != null) {
      opts.setTrustOptions(new PemTrustOptions().addCertPath(config.clientCaFile().toString()))
          .setClientAuth(ClientAuth.REQUEST);
    }
    return opts;
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    String endpoint = endpointOf(path);
    req.response().endHandler(v -> Counter.builder("kubelet_http_requests_total")
        .tag("path", endpoint).tag("code", String.valueOf(req.response().getStatusCode()))
        .register(metrics).increment());
    Optional<RequestAuthenticator.User> user = authenticator.authenticate(req);
    if (user.isEmpty()) {
      plain(req.response(), 401, "Unauthorized");
      return;
    }
    if (endpoint.equals("imagesImport")) {
      importImage(req, user.get());
      return;
    }
    switch (endpoint) {
      case "healthz" -> plain(req.response(), 200, "ok");
      case "pods" -> pods(req);
      case "containerLogs" -> containerLogs(req, path);
      case "exec" -> exec(req, path);
      case "attach" -> attach(req, path);
      case "portForward" -> portForwards.handle(req);
      case "stats" -> workers.executeBlocking(() -> stats.summarize(pods), false)
          .onSuccess(doc -> json(req.response(), 200, doc.toString()))
          .onFailure(e -> plain(req.response(), 500, "stats: " + e.getMessage()));
      case "metrics" -> req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(metrics.scrape());
      default -> plain(req.response(), 404, "404 page not found");
    }
  }

  private static String endpointOf(String path) {
    if (path.equals("/healthz")) {
      return "healthz";
    }
    if (path.equals("/pods") || path.equals("/pods/")) {
      return "pods";
    }
    if (path.startsWith("/containerLogs/")) {
      return "containerLogs";
    }
    if (path.startsWith("/exec/")) {
      return "exec";
    }
    if (path.startsWith("/attach/")) {
      return "attach";
    }
    if (path.startsWith("/portForward/")) {
      return "portForward";
    }
    if (path.equals("/stats/summary")) {
      return "stats";
    }
    if (path.equals("/metrics")) {
      return "metrics";
    }
    if (path.equals("/images/import")) {
      return "imagesImport";
    }
    return "other";
  }

  /**
   * {@code POST /images/import}: the body (an OCI image layout or docker-archive tar, gzipped or not) is
   * streamed to disk, never held in memory, then imported; admins only (group system:masters). Answers
   * {@code {"images":[{"reference":..., "id":..., "size":...}]}}.
   */
  private void importImage(HttpServerRequest req, RequestAuthenticator.User user) {
    ImageService store = images;
    if (store == null) {
      plain(req.response(), 404, "404 page not found");
      return;
    }
    if (!user.admin()) {
      LOG.info("Image import refused user={}", user.name());
      plain(req.response(), 403, "Forbidden (user=" + user.name() + ", verb=create, resource=nodes, subresource=images):"
          + " only cluster admins (group system:masters) may import images");
      return;
    }
    if (req.method() != io.vertx.core.http.HttpMethod.POST) {
      req.response().putHeader("Allow", "POST");
      plain(req.response(), 405, "method " + req.method() + " not allowed: POST an image archive");
      return;
    }
    long length;
    try {
      length = req.getHeader("Content-Length") == null ? -1 : Long.parseLong(req.getHeader("Content-Length"));
    } catch (NumberFormatException e) {
      plain(req.response(), 400, "bad Content-Length");
      return;
    }
    req.pause();
    workers.executeBlocking(() -> {
      java.nio.file.Files.createDirectories(uploadDir);
      long free = java.nio.file.Files.getFileStore(uploadDir).getUsableSpace();
      if (length > 0 && length * 2 > free) {
        // the archive and its unpacked layers must fit
        throw new TooLarge("the archive (" + length + " bytes) and its unpacked layers do not fit in the "
            + free + " bytes free on the image store's disk");
      }
      return java.nio.file.Files.createTempFile(uploadDir, ".upload-", ".tar");
    }, false).compose(tmp -> vertx.fileSystem().open(tmp.toString(), new io.vertx.core.file.OpenOptions().setWrite(true))
        .compose(file -> {
          // pipeTo resumes the request and applies back-pressure: the disk's pace, not memory
          return req.pipeTo(file);
        })
        .compose(v -> store.importArchive(tmp))
        // the answer only once the upload is gone: a client never sees it left behind
        .transform(ar -> workers.executeBlocking(() -> java.nio.file.Files.deleteIfExists(tmp), false)
            .transform(deleted -> ar.succeeded() ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()))))
        .onSuccess(imported -> {
          var doc = Json.mapper().createObjectNode();
          var arr = doc.putArray("images");
          for (var image : imported) {
            arr.addObject().put("reference", image.reference()).put("id", image.id()).put("size", image.sizeBytes());
          }
          LOG.info("Images imported user={} images={}", user.name(), imported.stream().map(i -> i.reference()).toList());
          json(req.response(), 200, doc.toString());
        })
        .onFailure(e -> {
          if (!req.response().ended() && !req.response().closed()) {
            boolean bad = e instanceof io.jk.kubelet.image.ImagePullException;
            int code = e instanceof TooLarge ? 413 : bad ? 400 : 500;
            if (code == 413) {
              req.resume(); // the body is not wanted: read and drop it so the answer gets through
            }
            plain(req.response(), code, "image import failed: " + e.getMessage());
          }
        });
  }

  /** An upload the disk cannot take. */
  private static final class TooLarge extends Exception {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private void pods(HttpServerRequest req) {
    PodList list = new PodListBuilder().withItems(pods.pods()).build();
    list.setApiVersion("v1");
    list.setKind("PodList");
    try {
      json(req.response(), 200, Json.mapper().writeValueAsString(list));
    } catch (JsonProcessingException e) {
      plain(req.response(), 500, "pods: " + e.getMessage());
    }
  }

  /** {@code /containerLogs/<ns>/<pod>/<container>}: the three path parts, or null. */
  private static String[] target(String path, String prefix) {
    String[] parts = path.substring(prefix.length()).split("/");
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      return null;
    }
    for (int i = 0; i < 3; i++) {
      parts[i] = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
    }
    return parts;
  }

  private void containerLogs(HttpServerRequest req, String path) {
    String[] t = target(path, "/containerLogs/");
    if (t == null) {
      plain(req.response(), 400, "expected /containerLogs/<namespace>/<pod>/<container>");
      return;
    }
    LogOptions opts;
    try {
      opts = LogOptions.parse(req::getParam, Instant.now());
    } catch (IllegalArgumentException e) {
      plain(req.response(), 400, e.getMessage());
      return;
    }
    req.pause();
    workers.executeBlocking(() -> pods.find(t[0], t[1], t[2], opts.previous()), false).onComplete(ar -> {
      req.resume();
      if (ar.failed()) {
        plain(req.response(), 500, "containerLogs: " + ar.cause().getMessage());
      } else if (ar.result().isEmpty()) {
        plain(req.response(), 404, opts.previous()
            ? "previous terminated container \"" + t[2] + "\" in pod \"" + t[1] + "\" not found"
            : "container \"" + t[2] + "\" in pod \"" + t[1] + "\" not found");
      } else {
        streamLogs(req, t, opts, ar.result().get());
      }
    });
  }

  private void streamLogs(HttpServerRequest req, String[] t, LogOptions opts, ContainerHandle h) {
    HttpServerResponse resp = req.response();
    resp.setChunked(true).putHeader("Content-Type", "text/plain");
    AtomicBoolean gone = new AtomicBoolean();
    resp.closeHandler(v -> gone.set(true));
    ContainerLogStreamer streamer = new ContainerLogStreamer(h.logPath(), opts,
        () -> pods.find(t[0], t[1], t[2], opts.previous())
            .filter(now -> now.containerId().equals(h.containerId()) && now.running()).isPresent());
    workers.executeBlocking(() -> {
      streamer.run(data -> {
        if (gone.get()) {
          return false;
        }
        if (data.length > 0) {
          resp.write(Buffer.buffer(data)); // Vert.x sends it at once: one chunk per line
        }
        return true;
      });
      return null;
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Container log stream failed container={} err=\"{}\"", h.containerId(), ar.cause().getMessage());
      }
      if (!gone.get()) {
        resp.end();
      }
    });
  }

  private void exec(HttpServerRequest req, String path) {
    String[] t = target(path, "/exec/");
    if (t == null) {
      plain(req.response(), 400, "expected /exec/<namespace>/<pod>/<container>");
      return;
    }
    List<String> command = req.params().getAll("command");
    if (command.isEmpty()) {
      plain(req.response(), 400, "you must specify at least 1 command");
      return;
    }
    boolean stdin = LogOptions.flag(req::getParam, "stdin") || LogOptions.flag(req::getParam, "input");
    boolean stdout = LogOptions.flag(req::getParam, "stdout") || LogOptions.flag(req::getParam, "output");
    boolean stderr = LogOptions.flag(req::getParam, "stderr") || LogOptions.flag(req::getParam, "error");
    boolean tty = LogOptions.flag(req::getParam, "tty");
    upgrade(req, t, "exec", (ws, c) -> new ExecSession(vertx, ws, c, command, stdin, stdout, stderr, tty));
  }

  /**
   * {@code /attach/<ns>/<pod>/<container>}: to the container's shim, which holds its output, stdin and
   * terminal (the container's own {@code tty} decides, as Kubernetes' kubelet does, not the request's).
   */
  private void attach(HttpServerRequest req, String path) {
    String[] t = target(path, "/attach/");
    if (t == null) {
      plain(req.response(), 400, "expected /attach/<namespace>/<pod>/<container>");
      return;
    }
    boolean stdin = LogOptions.flag(req::getParam, "stdin") || LogOptions.flag(req::getParam, "input");
    boolean stdout = LogOptions.flag(req::getParam, "stdout") || LogOptions.flag(req::getParam, "output");
    boolean stderr = LogOptions.flag(req::getParam, "stderr") || LogOptions.flag(req::getParam, "error");
    upgrade(req, t, "attach", (ws, c) -> new AttachSession(vertx, ws, c,
        io.jk.kubelet.container.ShimRuntime.attachSocket(c.logPath().getParent()), stdin, stdout, stderr));
  }

  /** Checks the streams asked for and the upgrade, finds the running container, and starts the session. */
  private void upgrade(HttpServerRequest req, String[] t, String what,
      java.util.function.BiFunction<io.vertx.core.http.ServerWebSocket, ContainerHandle, StreamSession> session) {
    boolean stdin = LogOptions.flag(req::getParam, "stdin") || LogOptions.flag(req::getParam, "input");
    boolean stdout = LogOptions.flag(req::getParam, "stdout") || LogOptions.flag(req::getParam, "output");
    boolean stderr = LogOptions.flag(req::getParam, "stderr") || LogOptions.flag(req::getParam, "error");
    if (!stdin && !stdout && !stderr) {
      plain(req.response(), 400, "you must specify at least 1 of stdin, stdout, stderr");
      return;
    }
    String upgrade = req.getHeader("Upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      plain(req.response(), 400, what + " needs a WebSocket upgrade with subprotocol v5.channel.k8s.io or "
          + "v4.channel.k8s.io (SPDY is not supported)");
      return;
    }
    req.pause(); // the lookup reads files: off the event loop, with the request kept unread for the upgrade
    workers.executeBlocking(() -> pods.find(t[0], t[1], t[2], false), false).onComplete(ar -> {
      Optional<ContainerHandle> found = ar.succeeded() ? ar.result() : Optional.empty();
      if (found.isEmpty() || !found.get().running()) {
        req.resume();
        plain(req.response(), found.isEmpty() ? 404 : 400, found.isEmpty()
            ? "container \"" + t[2] + "\" in pod \"" + t[1] + "\" not found"
            : "container \"" + t[2] + "\" in pod \"" + t[1] + "\" is not running");
        return;
      }
      Future<io.vertx.core.http.ServerWebSocket> upgraded = req.toWebSocket();
      req.resume();
      upgraded.onSuccess(ws -> {
        if (ws.subProtocol() == null) {
          ws.close((short) 1002, "a subprotocol v5.channel.k8s.io or v4.channel.k8s.io is required");
          return;
        }
        StreamSession s = session.apply(ws, found.get());
        sessions.add(s);
        s.start();
        ws.endHandler(v -> sessions.remove(s));
      }).onFailure(e -> LOG.warn("Stream upgrade failed what={} err=\"{}\"", what, e.getMessage()));
    });
  }

  private static void plain(HttpServerResponse resp, int code, String text) {
    resp.setStatusCode(code).putHeader("Content-Type", "text/plain; charset=utf-8").end(text + "\n");
  }

  private static void json(HttpServerResponse resp, int code, String body) {
    resp.setStatusCode(code).putHeader("Content-Type", "application/json").end(body);
  }
}
