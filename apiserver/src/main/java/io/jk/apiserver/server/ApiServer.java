package io.jk.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.admission.AdmissionChain;
import io.jk.apiserver.admission.PriorityAdmission;
import io.jk.apiserver.allocation.ServiceAllocator;
import io.jk.apiserver.admission.ServiceAccountAdmission;
import io.jk.apiserver.auth.AuthenticationApi;
import io.jk.apiserver.auth.AuthenticationHandler;
import io.jk.apiserver.auth.Authenticator;
import io.jk.apiserver.auth.AuthorizationHandler;
import io.jk.apiserver.auth.Authorizer;
import io.jk.apiserver.auth.Authorizers;
import io.jk.apiserver.auth.ImpersonationHandler;
import io.jk.apiserver.auth.NodeAuthorizer;
import io.jk.apiserver.auth.rbac.EscalationCheck;
import io.jk.apiserver.auth.rbac.PolicyReconciler;
import io.jk.apiserver.auth.rbac.RbacAuthorizer;
import io.jk.apiserver.auth.rbac.RbacIndex;
import io.jk.apiserver.authorization.AccessReviewApi;
import io.jk.apiserver.discovery.Discovery;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.metrics.KubeletStatsClient;
import io.jk.apiserver.metrics.MetricsApi;
import io.jk.apiserver.metrics.MetricsScraper;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.proxy.NodeProxy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.resources.events.EventStorage;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.rest.RestHandler;
import io.jk.apiserver.rest.Watches;
import io.jk.apiserver.serviceaccount.ServiceAccountAuthenticator;
import io.jk.apiserver.serviceaccount.ServiceAccountTokens;
import io.jk.apiserver.serviceaccount.TokenRequestHandler;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.watch.WatchCache;
import io.jk.common.json.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server component: the Kubernetes API over a {@link Store}, on Vert.x Web.
 *
 * <p>Lists at the latest revision and watches are served by a {@link WatchCache}.
 * {@link #start()} creates the built-in namespaces and the {@code kubernetes} Service when
 * missing, rebuilds the Service IP/port allocations from the store and starts listening;
 * {@link #stop()} closes the listener (the store belongs to the caller).
 */
public final class ApiServer {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  /** Largest request body accepted (as Kubernetes: 3 MiB). */
  public static final int MAX_BODY_BYTES = 3 * 1024 * 1024;
  private static final List<String> BUILT_IN_NAMESPACES = List.of("default", "kube-system", "kube-public", "kube-node-lease");

  private final Vertx vertx;
  private final ApiServerConfig config;
  private final Store store;
  private final WatchCache cache;
  private final ResourceTypes types = ResourceTypes.builtIn();
  private final Discovery discovery = new Discovery(types);
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ServiceAllocator allocator;
  private final Watches watches;
  private final RestHandler rest;
  private final PodNodeIndex podNodes;
  /** Roles and bindings in memory (store watch), for RBAC decisions without store reads. */
  private final RbacIndex rbacIndex;
  private final RbacAuthorizer rbac;
  /** Bootstrap policy and ClusterRole aggregation. */
  private final PolicyReconciler policy;
  /** The {@code --authorization-mode} chain. */
  private final Authorizer authorizer;
  private final KubeletProxy kubelets;
  private final NodeProxy nodeProxy;
  private final PriorityAdmission priorities;
  private final KubeletStatsClient statsClient;
  private final MetricsApi metricsApi;
  /** Service account tokens (TokenRequest, their authentication, pod admission); null: none. */
  private final ServiceAccountTokens serviceAccountTokens;
  private HttpServer server;
  /** The listeners on further event loops, sharing {@link #server}'s port. */
  private final List<HttpServer> extra = new java.util.concurrent.CopyOnWriteArrayList<>();
  /**
   * How many event loops accept API connections: one per CPU by default (system property
   * {@code jk.apiserver.httpInstances} overrides it, e.g. {@code 1} to compare).
   */
  private static final int HTTP_INSTANCES = Math.max(1, Integer.getInteger("jk.apiserver.httpInstances",
      Runtime.getRuntime().availableProcessors()));
  private final java.util.Map<RequestLabels, Counter> requestCounters = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<RequestLabels, Timer> requestTimers = new java.util.concurrent.ConcurrentHashMap<>();

  /** The labels of the request meters (code 0 for the timer, which has none). */
  private record RequestLabels(String verb, String resource, int code) {}
  private volatile boolean ready;

  /** A server over {@code store} (not closed by {@link #stop()}), without service account tokens. */
  public ApiServer(Vertx vertx, ApiServerConfig config, Store store) {
    this(vertx, config, store, null);
  }

  /**
   * A server over {@code store} (not closed by {@link #stop()}) that, with {@code tokens}, serves
   * the TokenRequest API ({@code serviceaccounts/token}), authenticates the tokens it issues, and
   * admits pods as Kubernetes' ServiceAccount admission plugin does (a pod needs its service
   * account to exist, and gets the {@code kube-api-access-*} volume).
   *
   * @param tokens the service account token issuer, or null for none
   */
  public ApiServer(Vertx vertx, ApiServerConfig config, Store store, ServiceAccountTokens tokens) {
    this.serviceAccountTokens = tokens;
    this.vertx = vertx;
    this.config = config;
    // HorizontalPodAutoscalers written through autoscaling/v1 are stored as autoscaling/v2
    this.cache = new WatchCache(new MeteredStore(new io.jk.apiserver.resources.autoscaling.HpaStorage(store), metrics),
        vertx, config.watchCacheEvents());
    this.store = cache;
    this.allocator = new ServiceAllocator(config.serviceClusterIpRange(), config.serviceNodePortRange());
    // core/v1 and events.k8s.io/v1 Events are one resource: one storage, two views
    Store served = new EventStorage(this.store);
    this.watches = new Watches(served, config.bookmarkIntervalMs(), metrics);
    this.podNodes = new PodNodeIndex(this.store, vertx);
    this.rbacIndex = new RbacIndex(this.store, vertx);
    this.rbac = new RbacAuthorizer(rbacIndex);
    this.policy = new PolicyReconciler(this.store, vertx, rbacIndex);
    this.authorizer = Authorizers.forModes(config.authorizationModes(), new NodeAuthorizer(podNodes::nodeOf), rbac);
    this.kubelets = new KubeletProxy(vertx, KubeletProxy.credentialsOr(config.kubeletCredentials()));
    this.nodeProxy = new NodeProxy(this.store, types.find("", "v1", "nodes").orElseThrow(), kubelets);
    // metrics.k8s.io: kubelets asked with a short deadline, answers shared for a few seconds
    this.statsClient = new KubeletStatsClient(vertx, KubeletProxy.credentialsOr(config.kubeletCredentials()),
        java.time.Duration.ofSeconds(3));
    this.metricsApi = new MetricsApi(this.store, types, new MetricsScraper(this.store,
        types.find("", "v1", "nodes").orElseThrow(), statsClient, java.time.Duration.ofSeconds(5),
        java.time.Clock.systemUTC()), java.time.Duration.ofSeconds(10));
    this.priorities = new PriorityAdmission(vertx, this.store,
        types.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow());
    AdmissionChain admission = tokens == null ? AdmissionChain.of(priorities, allocator)
        : AdmissionChain.of(new ServiceAccountAdmission(vertx, this::cachedObject, this.store,
            types.find("", "v1", "serviceaccounts").orElseThrow()), priorities, allocator);
    this.rest = new RestHandler(types, served, config.strategies(), config.unknownFields(),
        admission, watches, kubelets);
  }

  /** The resource table served. */
  public ResourceTypes types() {
    return types;
  }

  /** The port listened on (after {@link #start()}). */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  /** Seeds the store, then listens; fails when the store or the port is unusable. */
  public Future<Void> start() {
    return cache.start().compose(v -> seed()).compose(v -> priorities.start()).compose(v -> config.authenticator() == null ? Future.succeededFuture() : podNodes.start())
        // the bootstrap policy is written before the index lists, so the first request sees it
        .compose(v -> config.authenticator() == null ? Future.succeededFuture() : policy.reconcileBootstrap())
        .compose(v -> {
          policy.startAggregation();
          return rbacIndex.start();
        })
        .compose(v -> {
      // a negative port is Vert.x's "any free port, shared by every server listening on the same
      // negative port": the listeners of all event loops then share the one port
      HttpServerOptions opts = new HttpServerOptions().setHost(config.bindAddress())
          .setPort(config.port() == 0 && HTTP_INSTANCES > 1 ? -1 : config.port())
          .setCompressionSupported(false).setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024)
          // pods/exec is a WebSocket: kubectl offers v5 only, fabric8 v4; Vert.x must echo the one chosen.
          // pods/portforward: kubectl tunnels SPDY in WebSocket messages (KEP-4006), fabric8 speaks v4
          .setWebSocketSubProtocols(io.jk.apiserver.proxy.KubeletProxy.WEBSOCKET_PROTOCOLS);
      if (config.tls() != null) {
        config.tls().accept(opts);
      }
      Router router = router();
      return vertx.createHttpServer(opts).requestHandler(router).listen()
          .compose(first -> moreListeners(opts, router, first));
    }).compose(s -> {
      server = s;
      return publishEndpoints(s.actualPort()).map(s);
    }).map(s -> {
      ready = true;
      LOG.info("API server listening address={} port={} tls={}", config.bindAddress(), s.actualPort(),
          config.tls() != null);
      return null;
    });
  }

  /**
   * Listens on the first server's port from more event loops (Vert.x spreads the connections of
   * servers sharing a port over them), so that request handling is not confined to one core.
   */
  private Future<HttpServer> moreListeners(HttpServerOptions opts, Router router, HttpServer first) {
    List<Future<HttpServer>> more = new ArrayList<>();
    HttpServerOptions shared = new HttpServerOptions(opts);
    for (int i = 1; i < HTTP_INSTANCES; i++) {
      io.vertx.core.impl.ContextInternal loop = ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
      Promise<HttpServer> p = Promise.promise();
      loop.runOnContext(v -> vertx.createHttpServer(shared).requestHandler(router).listen().onComplete(p));
      more.add(p.future().onSuccess(extra::add));
    }
    return Future.all(more).map(first);
  }

  /** Stops listening and ends open watches. */
  public Future<Void> stop() {
    ready = false;
    podNodes.close();
    policy.close();
    rbacIndex.close();
    priorities.close();
    statsClient.close();
    if (server == null) {
      cache.close();
      return kubelets.close();
    }
    extra.forEach(HttpServer::close);
    extra.clear();
    return server.close().eventually(kubelets::close).onComplete(ar -> {
      cache.close();
      metrics.close();
    });
  }

  private Router router() {
    Router r = Router.router(vertx);
    r.route().handler(this::instrument);
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES).setHandleFileUploads(false);
    r.route().handler(ctx -> {
      if (NodeProxy.isProxyPath(ctx.request().path())) {
        ctx.request().pause(); // streamed to the kubelet unread and uncapped
        ctx.next();
      } else if (isWebSocketUpgrade(ctx.request())) {
        // a GET upgrade has no body to read; reading the empty one that a Content-Length: 0 (JDK
        // clients) announces would end the request, and an ended request can no longer be upgraded
        ctx.next();
      } else {
        bodies.handle(ctx);
      }
    });
    if (config.publicRoutes() != null) {
      config.publicRoutes().accept(r);
    }
    Authenticator authenticator = config.authenticator();
    if (authenticator != null) {
      if (serviceAccountTokens != null) {
        authenticator = Authenticator.union(List.of(authenticator,
            new ServiceAccountAuthenticator(serviceAccountTokens, this::cachedObject)));
      }
      r.route().handler(AuthenticationHandler.create(authenticator));
      r.route().handler(new ImpersonationHandler(this.authorizer));
      r.route().handler(AuthorizationHandler.create(this.authorizer));
      r.route("/apis/rbac.authorization.k8s.io/*").handler(new EscalationCheck(this.authorizer, rbac,
          this::cachedRbacObject));
    }
    new AccessReviewApi(this.authorizer, rbac::rulesFor, config.authorizationModes().contains("AlwaysAllow"))
        .mount(r);
    // TokenReviews use the server's authenticators; without authentication, still the service account tokens
    Authenticator reviewer = authenticator != null ? authenticator
        : serviceAccountTokens != null ? Authenticator.union(List.of(
            new ServiceAccountAuthenticator(serviceAccountTokens, this::cachedObject)))
        : (h, c) -> java.util.Optional.empty();
    AuthenticationApi authentication = new AuthenticationApi(reviewer);
    r.route(AuthenticationApi.SELF_SUBJECT_REVIEWS).handler(authentication::selfSubjectReview);
    r.route(AuthenticationApi.TOKEN_REVIEWS).handler(authentication::tokenReview);
    if (serviceAccountTokens != null) {
      r.route().pathRegex(TokenRequestHandler.PATH_REGEX)
          .handler(new TokenRequestHandler(serviceAccountTokens, store, types));
    }
    r.get("/version").handler(ctx -> HttpReplies.json(ctx, 200, discovery.version()));
    for (String p : List.of("/healthz", "/livez", "/readyz")) {
      r.get(p).handler(ctx -> {
        if (ready || !p.equals("/readyz")) {
          ctx.response().putHeader("Content-Type", "text/plain").end("ok");
        } else {
          ctx.response().setStatusCode(503).putHeader("Content-Type", "text/plain").end("not ready");
        }
      });
    }
    r.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4")
        .end(metrics.scrape()));
    r.get("/api").handler(ctx -> {
      if (Discovery.wantsAggregated(ctx.request().getHeader("Accept"))) {
        aggregated(ctx, discovery.aggregated(true));
      } else {
        HttpReplies.json(ctx, 200, discovery.apiVersions(config.advertiseAddress() + ":" + port()));
      }
    });
    r.get("/apis").handler(ctx -> {
      if (Discovery.wantsAggregated(ctx.request().getHeader("Accept"))) {
        aggregated(ctx, discovery.aggregated(false));
      } else {
        HttpReplies.json(ctx, 200, discovery.apiGroupList());
      }
    });
    r.get("/api/v1").handler(ctx -> HttpReplies.json(ctx, 200, discovery.resourceList("", "v1")));
    r.get("/apis/:group").handler(ctx -> found(ctx, discovery.apiGroupDoc(ctx.pathParam("group"))));
    r.get("/apis/:group/:version").handler(ctx ->
        found(ctx, discovery.resourceList(ctx.pathParam("group"), ctx.pathParam("version"))));
    r.get("/openapi/v3").handler(ctx -> HttpReplies.json(ctx, 200, discovery.openApiIndex()));
    r.get("/openapi/v3/api/:version").handler(ctx -> found(ctx, discovery.openApi("", ctx.pathParam("version"))));
    r.get("/openapi/v3/apis/:group/:version").handler(ctx ->
        found(ctx, discovery.openApi(ctx.pathParam("group"), ctx.pathParam("version"))));
    r.route("/api/v1/nodes/*").handler(ctx -> {
      if (NodeProxy.isProxyPath(ctx.request().path())) {
        nodeProxy.handle(ctx);
      } else {
        ctx.next();
      }
    });
    r.route(MetricsApi.PREFIX + "*").handler(metricsApi::handle);
    r.route("/api/v1/*").handler(rest::handle);
    r.route("/apis/*").handler(rest::handle);
    r.route().handler(ctx -> HttpReplies.fail(ctx, ApiException.notFoundPath()));
    r.route().failureHandler(ctx -> {
      int code = ctx.statusCode();
      if (code == 413) {
        HttpReplies.fail(ctx, ApiException.tooLarge());
        ctx.request().connection().close();
      } else if (ctx.failure() != null) {
        HttpReplies.fail(ctx, ctx.failure());
      } else if (code == 400) {
        HttpReplies.fail(ctx, ApiException.badRequest("the request could not be read"));
      } else {
        HttpReplies.fail(ctx, new ApiException(code < 400 ? 500 : code, "InternalError", "request failed", null));
      }
    });
    return r;
  }

  /** A GET asking for a WebSocket ({@code Upgrade: websocket}): exec, or a watch fabric8 tries over one first. */
  static boolean isWebSocketUpgrade(io.vertx.core.http.HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return request.method() == io.vertx.core.http.HttpMethod.GET && upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /** An RBAC object ({@code roles}, {@code namespace/name}) from the watch cache; null when absent. */
  private ObjectNode cachedRbacObject(String resource, String namespacedName) {
    ResourceType t = types.find("rbac.authorization.k8s.io", "v1", resource).orElse(null);
    if (t == null) {
      return null;
    }
    int slash = namespacedName.indexOf('/');
    KeyValue kv = cache.cached(slash < 0 ? t.key(null, namespacedName)
        : t.key(namespacedName.substring(0, slash), namespacedName.substring(slash + 1)));
    return kv == null ? null : Objects.decode(kv);
  }

  /** A core object from the watch cache (no store read: callers are on the event loop). */
  private ObjectNode cachedObject(String resource, String namespace, String name) {
    ResourceType t = types.find("", "v1", resource).orElse(null);
    if (t == null) {
      return null;
    }
    KeyValue kv = cache.cached(t.key(namespace, name));
    return kv == null ? null : Objects.decode(kv);
  }

  private static void found(RoutingContext ctx, ObjectNode doc) {
    if (doc == null) {
      HttpReplies.fail(ctx, ApiException.notFoundPath());
    } else {
      HttpReplies.json(ctx, 200, doc);
    }
  }

  private static void aggregated(RoutingContext ctx, ObjectNode doc) {
    ctx.response().setStatusCode(200).putHeader("Content-Type", Discovery.AGGREGATED_V2)
        .end(Json.mapper().valueToTree(doc).toString());
  }

  private void instrument(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(ar -> {
      String verb = ctx.get("verb", ctx.request().method().name().toLowerCase(java.util.Locale.ROOT));
      String resource = ctx.get("resource", "");
      int code = ctx.response().getStatusCode();
      // meters are registered once per label set and then found in a plain map: the registry's own
      // lookup (building and hashing a Meter.Id per request) showed in create profiles
      requestCounters.computeIfAbsent(new RequestLabels(verb, resource, code), l -> Counter
          .builder("apiserver_request_total").tag("verb", l.verb()).tag("resource", l.resource())
          .tag("code", Integer.toString(l.code())).register(metrics)).increment();
      if (!"watch".equals(verb)) {
        requestTimers.computeIfAbsent(new RequestLabels(verb, resource, 0), l -> Timer
            .builder("apiserver_request_duration_seconds").tag("verb", l.verb()).tag("resource", l.resource())
            .publishPercentileHistogram().register(metrics)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
    });
    ctx.next();
  }

  /** Creates the built-in namespaces and the {@code kubernetes} Service, and restores allocations. */
  private Future<Void> seed() {
    ResourceType nsType = types.find("", "v1", "namespaces").orElseThrow();
    ResourceType svcType = types.find("", "v1", "services").orElseThrow();
    List<Future<?>> steps = new ArrayList<>();
    for (String ns : BUILT_IN_NAMESPACES) {
      ObjectNode o = Json.mapper().createObjectNode();
      o.put("apiVersion", "v1").put("kind", "Namespace");
      o.putObject("metadata").put("name", ns).put("uid", java.util.UUID.randomUUID().toString())
          .put("creationTimestamp", Objects.now()).putObject("labels").put("kubernetes.io/metadata.name", ns);
      o.putObject("spec").putArray("finalizers").add("kubernetes");
      o.putObject("status").put("phase", "Active");
      steps.add(createIfMissing(nsType.key(null, ns), o));
    }
    return Future.all(steps).compose(v -> store.list(svcType.keyPrefix(), null, 0, 0)).compose(list -> {
      List<ObjectNode> services = new ArrayList<>();
      for (KeyValue kv : list.items()) {
        services.add(Objects.decode(kv));
      }
      allocator.restore(services);
      boolean hasKubernetes = services.stream().anyMatch(s -> Objects.metaText(s, "name").equals("kubernetes")
          && Objects.metaText(s, "namespace").equals("default"));
      if (hasKubernetes) {
        return Future.succeededFuture();
      }
      String ip = allocator.kubernetesServiceIp();
      allocator.restore(List.of(kubernetesService(ip)));
      return createIfMissing(svcType.key("default", "kubernetes"), kubernetesService(ip)).mapEmpty();
    });
  }

  /**
   * Points the {@code kubernetes} Service at this server: Endpoints and an EndpointSlice in
   * {@code default} with the advertise address and the port listened on (as kube-apiserver's
   * endpoint reconciler does), so in-cluster clients reach the API through 10.96.0.1.
   */
  private Future<Void> publishEndpoints(int port) {
    String address = endpointAddress();
    if (address == null || address.isBlank() || address.equals("0.0.0.0")) {
      return Future.succeededFuture();
    }
    ResourceType epType = types.find("", "v1", "endpoints").orElseThrow();
    ResourceType sliceType = types.find("discovery.k8s.io", "v1", "endpointslices").orElseThrow();
    ObjectNode ep = Json.mapper().createObjectNode();
    ep.put("apiVersion", "v1").put("kind", "Endpoints");
    ObjectNode em = ep.putObject("metadata");
    em.put("name", "kubernetes").put("namespace", "default").put("uid", java.util.UUID.randomUUID().toString())
        .put("creationTimestamp", Objects.now());
    em.putObject("labels").put("endpointslice.kubernetes.io/skip-mirror", "true");
    ObjectNode subset = ep.putArray("subsets").addObject();
    subset.putArray("addresses").addObject().put("ip", address);
    subset.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");

    ObjectNode slice = Json.mapper().createObjectNode();
    slice.put("apiVersion", "discovery.k8s.io/v1").put("kind", "EndpointSlice");
    ObjectNode sm = slice.putObject("metadata");
    sm.put("name", "kubernetes").put("namespace", "default").put("uid", java.util.UUID.randomUUID().toString())
        .put("creationTimestamp", Objects.now());
    sm.putObject("labels").put("kubernetes.io/service-name", "kubernetes")
        .put("endpointslice.kubernetes.io/managed-by", "jk-apiserver");
    slice.put("addressType", address.contains(":") ? "IPv6" : "IPv4");
    ObjectNode endpoint = slice.putArray("endpoints").addObject();
    endpoint.putArray("addresses").add(address);
    endpoint.putObject("conditions").put("ready", true);
    slice.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
    return Future.all(upsert(epType.key("default", "kubernetes"), ep, "subsets"),
        upsert(sliceType.key("default", "kubernetes"), slice, "endpoints", "ports")).mapEmpty();
  }

  /**
   * The address in the {@code kubernetes} Service's endpoints: the advertise address, except that a
   * loopback one (the default, for the admin kubeconfig) of a server listening on every address is
   * replaced by the host's default-route address, which pods can reach (their loopback is their own).
   */
  private String endpointAddress() {
    String address = config.advertiseAddress();
    boolean wildcard = config.bindAddress().equals("0.0.0.0") || config.bindAddress().equals("::");
    if (address != null && (address.startsWith("127.") || address.equals("::1")) && wildcard) {
      return HostAddresses.defaultRouteIpv4().orElse(address);
    }
    return address;
  }

  /** Creates {@code obj} at {@code key}, or rewrites the given top-level fields of the stored one when they differ. */
  private Future<Void> upsert(String key, ObjectNode obj, String... fields) {
    return store.get(key).compose(kv -> {
      if (kv == null) {
        return createIfMissing(key, obj);
      }
      ObjectNode cur = Objects.decode(kv);
      boolean same = true;
      for (String f : fields) {
        same &= java.util.Objects.equals(cur.get(f), obj.get(f));
      }
      if (same) {
        return Future.succeededFuture();
      }
      for (String f : fields) {
        cur.set(f, obj.get(f));
      }
      return store.update(key, Objects.encode(cur), kv.modRevision()).<Void>mapEmpty()
          .recover(e -> e instanceof StoreException.Conflict ? upsert(key, obj, fields) : Future.failedFuture(e));
    });
  }

  private ObjectNode kubernetesService(String ip) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("apiVersion", "v1").put("kind", "Service");
    ObjectNode m = o.putObject("metadata");
    m.put("name", "kubernetes").put("namespace", "default").put("uid", java.util.UUID.randomUUID().toString())
        .put("creationTimestamp", Objects.now());
    m.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
    ObjectNode spec = o.putObject("spec");
    spec.put("type", "ClusterIP").put("clusterIP", ip).put("sessionAffinity", "None");
    spec.putArray("clusterIPs").add(ip);
    spec.putArray("ipFamilies").add("IPv4");
    spec.put("ipFamilyPolicy", "SingleStack");
    spec.putArray("ports").addObject().put("name", "https").put("port", 443).put("protocol", "TCP")
        .put("targetPort", config.port() == 0 ? 6443 : config.port());
    o.putObject("status").putObject("loadBalancer");
    return o;
  }

  private Future<Void> createIfMissing(String key, ObjectNode obj) {
    return store.create(key, Objects.encode(obj)).<Void>mapEmpty().recover(e ->
        e instanceof StoreException.KeyExists ? Future.succeededFuture() : Future.failedFuture(e));
  }
}
