package io.jk.apiserver.rest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.patch.PatchException;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.apiserver.patch.ServerSideApply;
import io.jk.apiserver.proxy.KubeletProxy;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.ListResult;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.watch.WatchCache;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one REST handler of every resource: get, list, watch, create, update, patch, delete and
 * deletecollection over the {@link Store}, with the per-kind rules of a {@link ResourceStrategy},
 * and the subresources {@code status}, {@code scale}, {@code binding}, {@code eviction},
 * {@code finalize}, {@code log} and {@code exec}.
 *
 * <p>Objects are stored as JSON without {@code resourceVersion}, which is set from the store
 * revision on read. Every failure is answered with a {@code metav1.Status}.
 */
public final class RestHandler {

  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);
  private static final int MAX_RETRIES = 16;
  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ResourceTypes types;
  private final Store store;
  private final Function<ResourceType, ResourceStrategy> strategies;
  private final UnknownFields unknownFields;
  private final WriteHooks hooks;
  private final Watches watches;
  /** The last namespace version seen by create admission, per key, and whether it was terminating. */
  private final Map<String, NamespaceVerdict> namespaceVerdicts = new java.util.concurrent.ConcurrentHashMap<>();
  private final KubeletProxy kubelets;

  /**
   * Finds fields of an object its kind does not have, for {@code fieldValidation}.
   */
  @FunctionalInterface
  public interface UnknownFields {
    /** Paths such as {@code spec.foo} of unknown fields; empty when all are known. */
    List<String> find(ResourceType type, ObjectNode obj);

    /**
     * Known fields whose JSON value has the wrong type ({@code spec.replicas: expected an integer (int32),
     * got a string}); none by default.
     */
    default List<String> wrongTypes(ResourceType type, ObjectNode obj) {
      return List.of();
    }
  }

  /**
   * Things done around writes of particular kinds (ClusterIP/NodePort allocation).
   */
  public interface WriteHooks {
    /** Before a create is stored: may fill fields; fails with an {@link ApiException}. */
    default void beforeCreate(ResourceType type, ObjectNode obj) {}

    /**
     * Before a create is stored or dry-run, after the namespace check and before {@link #beforeCreate}:
     * may look things up without blocking and fill fields (ServiceAccount admission); fails with an
     * {@link ApiException}.
     */
    default Future<Void> admitCreate(ResourceType type, ObjectNode obj) {
      return Future.succeededFuture();
    }

    /** Before an update is stored. */
    default void beforeUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {}

    /** After a create failed to be stored, or an object was removed: release what it held. */
    default void released(ResourceType type, ObjectNode obj) {}

    /** No hooks. */
    WriteHooks NONE = new WriteHooks() {};
  }

  public RestHandler(ResourceTypes types, Store store, Function<ResourceType, ResourceStrategy> strategies,
      UnknownFields unknownFields, WriteHooks hooks, Watches watches, KubeletProxy kubelets) {
    this.kubelets = kubelets;
    this.types = types;
    this.store = store;
    this.strategies = strategies;
    this.unknownFields = unknownFields;
    this.hooks = hooks;
    this.watches = watches;
  }

  /** Serves one resource request: answers {@code ctx} with the result or a Status. */
  public void handle(RoutingContext ctx) {
    Future<Reply> reply;
    try {
      String bindingsNs = bindingsNamespace(ctx);
      if (bindingsNs != null) {
        reply = bindings(ctx, bindingsNs);
        reply.onComplete(ar -> {
          if (ar.succeeded()) {
            HttpReplies.send(ctx, ar.result());
          } else {
            HttpReplies.fail(ctx, ar.cause());
          }
        });
        return;
      }
      RequestInfo info = RequestInfo.parse(ctx.request().path(), types);
      ctx.put("resource", info.type().resource() + (info.subresource() == null ? "" : "/" + info.subresource()));
      reply = dispatch(ctx, info);
    } catch (ApiException e) {
      reply = Future.failedFuture(e);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        if (ar.result() != null) {
          HttpReplies.send(ctx, ar.result());
        }
      } else {
        HttpReplies.fail(ctx, ar.cause());
      }
    });
  }

  private Future<Reply> dispatch(RoutingContext ctx, RequestInfo info) {
    HttpMethod m = ctx.request().method();
    String sub = info.subresource();
    boolean named = info.name() != null;
    if (m == HttpMethod.GET) {
      if (!named) {
        if (isTrue(ctx.queryParams().get("watch"))) {
          verb(ctx, "watch");
          watches.serve(ctx, info, strategy(info.type()));
          return Future.succeededFuture(null);
        }
        verb(ctx, "list");
        return list(ctx, info);
      }
      verb(ctx, "get");
      if (sub == null || sub.equals("status")) {
        return get(info).map(o -> Reply.of(200, render(ctx, info, o)));
      }
      if (sub.equals("scale")) {
        return get(info).map(o -> Reply.of(200, Scales.toScale(o)));
      }
      if (sub.equals("log") || sub.equals("exec")) {
        return podStream(ctx, info);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.POST) {
      if (!named) {
        verb(ctx, "create");
        return create(ctx, info, body(ctx));
      }
      verb(ctx, "create");
      if ("binding".equals(sub)) {
        return bind(info, body(ctx));
      }
      if ("eviction".equals(sub)) {
        return evict(ctx, info, body(ctx));
      }
      if ("exec".equals(sub)) {
        return podStream(ctx, info);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.PUT && named) {
      verb(ctx, "update");
      if (sub == null || sub.equals("status") || sub.equals("finalize")) {
        return update(ctx, info, body(ctx));
      }
      if (sub.equals("scale")) {
        return updateScale(ctx, info, body(ctx), false);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.PATCH && named) {
      verb(ctx, "patch");
      if (sub == null || sub.equals("status")) {
        return patch(ctx, info);
      }
      if (sub.equals("scale")) {
        return updateScale(ctx, info, null, true);
      }
      throw methodNotAllowed(m, info);
    }
    if (m == HttpMethod.DELETE && sub == null) {
      // by its content type: kubectl and fabric8 send JSON, client-go's typed clients may send protobuf
      JsonNode body = ctx.body().length() > 0 ? parse(ctx.body().buffer(), ctx.request().getHeader("Content-Type")) : null;
      DeleteOptions opts = DeleteOptions.from(body, ctx.queryParams()::get);
      if (named) {
        verb(ctx, "delete");
        return delete(info, opts).map(o -> Reply.of(200, o));
      }
      verb(ctx, "deletecollection");
      return deleteCollection(ctx, info, opts);
    }
    throw methodNotAllowed(m, info);
  }

  private static void verb(RoutingContext ctx, String verb) {
    ctx.put("verb", verb);
  }

  private static ApiException methodNotAllowed(HttpMethod m, RequestInfo info) {
    return ApiException.methodNotAllowed("the server does not allow this method on the requested resource ("
        + m.name() + " " + info.type().resource() + (info.subresource() == null ? "" : "/" + info.subresource()) + ")");
  }

  private ResourceStrategy strategy(ResourceType type) {
    return strategies.apply(type);
  }

  // ---- reads ----

  private Future<ObjectNode> get(RequestInfo info) {
    return store.get(info.key()).map(kv -> {
      if (kv == null) {
        throw ApiException.notFound(info.type(), info.name());
      }
      return Objects.decode(kv);
    });
  }

  private JsonNode render(RoutingContext ctx, RequestInfo info, ObjectNode o) {
    if (Tables.wanted(ctx.request().getHeader("Accept"))) {
      return Tables.of(strategy(info.type()), List.of(o), ctx.queryParams().get("includeObject"),
          null, null, true);
    }
    return o;
  }

  private Future<Reply> list(RoutingContext ctx, RequestInfo info) {
    ResourceStrategy strategy = strategy(info.type());
    Predicate<ObjectNode> filter = filter(ctx, info, strategy);
    int limit = ctx.queryParams().get("limit") == null ? 0
        : (int) DeleteOptions.parseLong(ctx.queryParams().get("limit"), "limit");
    String cont = ctx.queryParams().get("continue");
    long atRevision = 0;
    String startAfter = null;
    if (cont != null && !cont.isEmpty()) {
      String[] c = decodeContinue(cont);
      atRevision = Long.parseLong(c[0]);
      startAfter = c[1];
    } else if ("Exact".equals(ctx.queryParams().get("resourceVersionMatch"))) {
      // a consistent snapshot at exactly that revision (otherwise any revision at least as new is served)
      atRevision = DeleteOptions.parseLong(String.valueOf(ctx.queryParams().get("resourceVersion")), "resourceVersion");
    }
    final long rev = atRevision;
    return store.list(info.collectionPrefix(), startAfter, 0, atRevision).recover(e -> {
      if (e instanceof StoreException.Compacted && rev != 0) {
        return Future.failedFuture(ApiException.gone("The provided continue parameter is too old to display a consistent "
            + "list result. You can start a new list without the continue parameter."));
      }
      return Future.failedFuture(e);
    }).map(res -> {
      List<ObjectNode> items = new ArrayList<>();
      String next = null;
      for (KeyValue kv : res.items()) {
        ObjectNode o = Objects.decode(kv);
        if (!filter.test(o)) {
          continue;
        }
        if (limit > 0 && items.size() == limit) {
          next = encodeContinue(res.revision(), keyOf(items.get(items.size() - 1), info));
          break;
        }
        items.add(o);
      }
      String listRv = Long.toString(res.revision());
      if (Tables.wanted(ctx.request().getHeader("Accept"))) {
        return Reply.of(200, Tables.of(strategy, items, ctx.queryParams().get("includeObject"), listRv, next, true));
      }
      ObjectNode list = Json.mapper().createObjectNode();
      list.put("kind", info.type().kind() + "List").put("apiVersion", info.type().groupVersion());
      ObjectNode meta = list.putObject("metadata");
      meta.put("resourceVersion", listRv);
      if (next != null) {
        meta.put("continue", next);
      }
      ArrayNode arr = list.putArray("items");
      items.forEach(arr::add);
      return Reply.of(200, list);
    });
  }

  private static String keyOf(ObjectNode o, RequestInfo info) {
    return info.type().key(Objects.metaText(o, "namespace"), Objects.metaText(o, "name"));
  }

  private static String encodeContinue(long rev, String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((rev + "\n" + key).getBytes(StandardCharsets.UTF_8));
  }

  private static String[] decodeContinue(String token) {
    try {
      String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = s.split("\n", 2);
      Long.parseLong(parts[0]);
      if (parts.length != 2) {
        throw new IllegalArgumentException();
      }
      return parts;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("invalid continue token");
    }
  }

  /** The namespace, label and field selector filter of a list or watch request. */
  static Predicate<ObjectNode> filter(RoutingContext ctx, RequestInfo info, ResourceStrategy strategy) {
    Predicate<ObjectNode> selectors = Selectors.filter(ctx.queryParams().get("labelSelector"),
        ctx.queryParams().get("fieldSelector"), strategy);
    String ns = info.namespace();
    return o -> (ns == null || ns.equals(Objects.metaText(o, "namespace"))) && selectors.test(o);
  }

  // ---- bodies ----

  private static JsonNode body(RoutingContext ctx) {
    String ct = ctx.request().getHeader("Content-Type");
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw ApiException.badRequest("the request body is empty");
    }
    return parse(b, ct);
  }

  /** Parses a request body by its content type (JSON or YAML). */
  static JsonNode parse(Buffer b, String contentType) {
    String ct = contentType == null ? "application/json" : contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (ct.equals(io.jk.apiserver.protobuf.ProtobufBodies.MEDIA_TYPE)) {
      return io.jk.apiserver.protobuf.ProtobufBodies.decode(b.getBytes()); // the typed clientset's bodies (kubectl create ...)
    }
    boolean yaml = ct.equals("application/yaml") || ct.equals("application/apply-patch+yaml") || ct.equals("text/yaml")
        || ct.equals("application/x-yaml");
    boolean json = ct.equals("application/json") || ct.endsWith("patch+json") || ct.equals("*/*");
    if (!yaml && !json) {
      throw ApiException.unsupportedMediaType(contentType);
    }
    try {
      if (yaml) {
        rejectAliases(b.getBytes());
      }
      JsonNode n = (yaml ? Json.yamlMapper() : Json.mapper()).readTree(b.getBytes());
      if (n == null || n.isMissingNode()) {
        throw ApiException.badRequest("the request body is empty");
      }
      return n;
    } catch (JacksonException e) {
      throw ApiException.badRequest("the request body could not be decoded: " + firstLine(e.getOriginalMessage()));
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof ApiException a) {
        throw a;
      }
      throw ApiException.badRequest("the request body could not be decoded: " + firstLine(String.valueOf(e.getMessage())));
    }
  }

  /**
   * Refuses YAML anchors and aliases: the tree reader does not expand them (an alias would be
   * stored as its name) and expanding them is how "billion laughs" bodies blow up.
   */
  private static void rejectAliases(byte[] yaml) throws java.io.IOException {
    try (com.fasterxml.jackson.core.JsonParser p = Json.yamlMapper().getFactory().createParser(yaml)) {
      while (p.nextToken() != null) {
        if (p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser y && (y.isCurrentAlias() || y.getObjectId() != null)) {
          throw ApiException.badRequest("the request body could not be decoded: YAML anchors and aliases are not supported");
        }
      }
    }
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }

  private ObjectNode objectBody(JsonNode body, ResourceType type, String kind, String gv) {
    if (!(body instanceof ObjectNode obj)) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    String k = obj.path("kind").asText("");
    String v = obj.path("apiVersion").asText("");
    if (!k.isEmpty() && !k.equals(kind) || !v.isEmpty() && !v.equals(gv)) {
      throw ApiException.badRequest((k.isEmpty() ? "object" : k) + " in version \"" + (v.isEmpty() ? "<none>" : v)
          + "\" cannot be handled as a " + kind + ": the kind or apiVersion of the body does not match "
          + gv + ", Kind=" + kind);
    }
    obj.put("apiVersion", gv).put("kind", kind);
    if (!obj.path("metadata").isObject() && obj.has("metadata")) {
      throw ApiException.badRequest("metadata must be an object");
    }
    return obj;
  }

  /**
   * 400 when a known field has a value of the wrong JSON type, as Kubernetes' decoder answers ("Pod in
   * version "v1" cannot be handled as a Pod: ..."). On updates, mismatches the stored object already had
   * are let through, so an object stored before this check can still be updated and deleted.
   */
  private void rejectWrongTypes(ResourceType type, String name, ObjectNode obj, ObjectNode old) {
    List<String> wrong = unknownFields.wrongTypes(type, obj);
    if (wrong.isEmpty()) {
      return;
    }
    if (old != null) {
      wrong = new ArrayList<>(wrong);
      wrong.removeAll(unknownFields.wrongTypes(type, old));
      if (wrong.isEmpty()) {
        return;
      }
    }
    throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
        + type.kind() + ": " + String.join("; ", wrong));
  }

  /** Applies {@code fieldValidation}: Strict fails, Warn returns warnings, Ignore nothing. */
  private List<String> checkFields(RoutingContext ctx, ResourceType type, ObjectNode obj) {
    String mode = ctx.queryParams().get("fieldValidation");
    if (mode == null || mode.equals("Ignore")) {
      return List.of();
    }
    if (!mode.equals("Strict") && !mode.equals("Warn")) {
      throw ApiException.badRequest("fieldValidation: Unsupported value: \"" + mode
          + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
    }
    List<String> unknown = unknownFields.find(type, obj);
    if (unknown.isEmpty()) {
      return List.of();
    }
    if (mode.equals("Strict")) {
      StringBuilder b = new StringBuilder("strict decoding error: ");
      for (int i = 0; i < unknown.size(); i++) {
        b.append(i == 0 ? "" : ", ").append("unknown field \"").append(unknown.get(i)).append('"');
      }
      throw ApiException.badRequest(b.toString());
    }
    return unknown.stream().map(u -> "unknown field \"" + u + "\"").toList();
  }

  /** The field manager: the {@code fieldManager} parameter, else the client's User-Agent name (as Kubernetes). */
  private static String manager(RoutingContext ctx) {
    String m = ctx.queryParams().get("fieldManager");
    if (m != null && !m.isEmpty()) {
      return m.length() > 128 ? m.substring(0, 128) : m;
    }
    String ua = ctx.request().getHeader("User-Agent");
    if (ua == null || ua.isBlank()) {
      return "unknown";
    }
    int slash = ua.indexOf('/');
    String name = slash > 0 ? ua.substring(0, slash) : ua;
    return name.length() > 128 ? name.substring(0, 128) : name;
  }

  private static boolean dryRun(RoutingContext ctx) {
    return DeleteOptions.dryRun(ctx.queryParams().getAll("dryRun"));
  }

  // ---- create ----

  private Future<Reply> create(RoutingContext ctx, RequestInfo info, JsonNode body) {
    ResourceType type = info.type();
    ObjectNode obj = objectBody(body, type, type.kind(), type.groupVersion());
    List<String> warnings = checkFields(ctx, type, obj);
    return createStored(info, obj, dryRun(ctx), manager(ctx))
        .map(c -> new Reply(201, c.obj(), warnings, c.json()));
  }

  /** A created object, and its JSON when already at hand (else {@code null}). */
  private record Created(ObjectNode obj, byte[] json) {}

  /** Creates {@code obj} in the request's namespace (shared by POST and apply-patch on a missing object). */
  private Future<ObjectNode> createObject(RequestInfo info, ObjectNode obj, boolean dryRun, String manager) {
    return createStored(info, obj, dryRun, manager).map(Created::obj);
  }

  private Future<Created> createStored(RequestInfo info, ObjectNode obj, boolean dryRun, String manager) {
    ResourceType type = info.type();
    ObjectNode meta = Objects.meta(obj);
    if (type.namespaced()) {
      String ns = meta.path("namespace").asText("");
      if (!ns.isEmpty() && info.namespace() != null && !ns.equals(info.namespace())) {
        throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      if (info.namespace() == null) {
        throw ApiException.notFoundPath();
      }
      meta.put("namespace", info.namespace());
    } else {
      meta.remove("namespace");
    }
    String name = meta.path("name").asText("");
    if (name.isEmpty() && !meta.path("generateName").asText("").isEmpty()) {
      StringBuilder b = new StringBuilder(meta.path("generateName").asText());
      for (int i = 0; i < 5; i++) {
        b.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
      }
      name = b.toString();
      meta.put("name", name);
    }
    if (info.name() != null && !name.isEmpty() && !name.equals(info.name())) {
      throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL (" + info.name() + ")");
    }
    List<FieldError> errors = new ArrayList<>();
    meta.put("uid", UUID.randomUUID().toString());
    meta.put("creationTimestamp", Objects.now());
    // metadata.generation: set by the strategies of the kinds that track it
    meta.remove("generation");
    meta.remove("resourceVersion");
    meta.remove("deletionTimestamp");
    meta.remove("deletionGracePeriodSeconds");
    meta.remove("selfLink");
    if (type.kind().equals("Namespace") && type.group().isEmpty()) {
      ObjectNode spec = obj.with("spec");
      if (!spec.has("finalizers")) {
        spec.putArray("finalizers").add("kubernetes");
      }
      obj.with("status").put("phase", "Active");
    }
    rejectWrongTypes(type, name, obj, null);
    ResourceStrategy strategy = strategy(type);
    strategy.prepareForCreate(obj);
    strategy.applyDefaults(obj);
    errors.addAll(strategy.validate(obj));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(type.kind(), name, errors);
    }
    String finalName = name;
    // obj is this request's own tree: record the manager in it rather than in a copy
    ObjectNode toStore = manager == null ? obj : ServerSideApply.recordCreateInPlace(obj, manager, null,
        PatchSchema.forKind(type.group(), type.kind()), Instant.now());
    return namespaceAdmits(type, info.namespace()).compose(v -> hooks.admitCreate(type, toStore)).compose(v -> {
      if (dryRun) {
        return Future.succeededFuture(new Created(toStore, null));
      }
      hooks.beforeCreate(type, toStore);
      byte[] bytes = Objects.encode(toStore);
      return store.create(type.key(info.namespace(), finalName), bytes)
          // the stored bytes are toStore's: answer with them and it rather than parsing them back
          .map(kv -> new Created(Objects.stored(toStore, kv), Objects.withVersion(bytes, kv.modRevision())))
          .recover(e -> {
            hooks.released(type, toStore);
            if (e instanceof StoreException.KeyExists) {
              return Future.failedFuture(ApiException.alreadyExists(type, finalName));
            }
            return Future.failedFuture(e);
          });
    });
  }

  /** Succeeds when {@code namespace} exists and is not terminating (always for cluster-scoped types). */
  private Future<Void> namespaceAdmits(ResourceType type, String namespace) {
    if (!type.namespaced()) {
      return Future.succeededFuture();
    }
    ResourceType nsType = types.find("", "v1", "namespaces").orElseThrow();
    String key = nsType.key(null, namespace);
    // as Kubernetes' namespace lifecycle admission: from the cache, and from the store when the cache lacks it
    KeyValue cached = store instanceof WatchCache cache ? cache.cached(key)
        : store instanceof io.jk.apiserver.resources.events.EventStorage events ? events.cached(key) : null;
    Future<KeyValue> found = cached != null ? Future.succeededFuture(cached) : store.get(key);
    return found.map(kv -> {
      if (kv == null) {
        throw ApiException.notFound(nsType, namespace);
      }
      if (terminating(kv)) {
        throw ApiException.forbidden(type.resource() + " is forbidden: unable to create new content in namespace "
            + namespace + " because it is being terminated");
      }
      return null;
    });
  }

  /** Whether a namespace version is being deleted, decoded once per stored version (the cache hands out the same instance). */
  private boolean terminating(KeyValue ns) {
    NamespaceVerdict v = namespaceVerdicts.get(ns.key());
    if (v != null && v.version() == ns) {
      return v.terminating();
    }
    boolean terminating = Objects.decode(ns).path("metadata").has("deletionTimestamp");
    if (namespaceVerdicts.size() >= 4096) {
      namespaceVerdicts.clear();
    }
    namespaceVerdicts.put(ns.key(), new NamespaceVerdict(ns, terminating));
    return terminating;
  }

  private record NamespaceVerdict(KeyValue version, boolean terminating) {}

  // ---- update and patch ----

  private Future<Reply> update(RoutingContext ctx, RequestInfo info, JsonNode body) {
    ResourceType type = info.type();
    ObjectNode obj = objectBody(body, type, type.kind(), type.groupVersion());
    String bodyName = Objects.metaText(obj, "name");
    if (!bodyName.isEmpty() && !bodyName.equals(info.name())) {
      throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
          + info.name() + ")");
    }
    String ns = Objects.metaText(obj, "namespace");
    if (type.namespaced() && !ns.isEmpty() && !ns.equals(info.namespace())) {
      throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    List<String> warnings = checkFields(ctx, type, obj);
    String rv = Objects.metaText(obj, "resourceVersion");
    boolean conditional = !rv.isEmpty();
    return guaranteedUpdate(info, current -> {
      if (conditional && !rv.equals(Objects.metaText(current, "resourceVersion"))) {
        throw ApiException.conflict(type, info.name());
      }
      ObjectNode next = obj.deepCopy();
      if ("finalize".equals(info.subresource())) {
        ObjectNode merged = current.deepCopy();
        merged.with("spec").set("finalizers", next.path("spec").path("finalizers").deepCopy());
        return merged;
      }
      return next;
    }, !conditional, dryRun(ctx), manager(ctx)).map(o -> Reply.of(200, o).withWarnings(warnings));
  }

  private Future<Reply> patch(RoutingContext ctx, RequestInfo info) {
    String ct = ctx.request().getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
    JsonNode patch;
    switch (mt) {
      case "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
          "application/apply-patch+yaml" -> patch = body(ctx);
      default -> throw ApiException.unsupportedMediaType(ct);
    }
    ResourceType type = info.type();
    boolean apply = mt.equals("application/apply-patch+yaml");
    if (apply && ctx.queryParams().get("fieldManager") == null) {
      throw ApiException.badRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
    }
    // unknown fields are looked for in the patched object (patches carry $-directives), for apply in the configuration
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    if (!mt.equals("application/json-patch+json") && !(patch instanceof ObjectNode)) {
      throw ApiException.badRequest("the patch must be a JSON object");
    }
    if (apply) {
      warnings.addAll(checkFields(ctx, type, stripped((ObjectNode) patch)));
    }
    boolean dry = dryRun(ctx);
    PatchSchema schema = PatchSchema.forKind(type.group(), type.kind());
    String manager = ctx.queryParams().get("fieldManager");
    boolean force = "true".equals(ctx.queryParams().get("force"));
    Future<ObjectNode> result = guaranteedUpdate(info, current -> {
      JsonNode out = switch (mt) {
        case "application/json-patch+json" -> Patches.jsonPatch(current, patch);
        case "application/merge-patch+json" -> Patches.mergePatch(current, patch);
        case "application/strategic-merge-patch+json" -> Patches.strategicMergePatch(current, patch, schema);
        default -> serverSideApply(info, current, (ObjectNode) patch, manager, force, schema);
      };
      if (!(out instanceof ObjectNode o)) {
        throw ApiException.badRequest("the patch result is not an object");
      }
      String k = o.path("kind").asText(type.kind());
      String v = o.path("apiVersion").asText(type.groupVersion());
      if (!k.equals(type.kind()) || !v.equals(type.groupVersion())) {
        throw ApiException.badRequest("the patch may not change the kind or apiVersion of the object");
      }
      if (!apply) {
        List<String> w = checkFields(ctx, type, stripped(o));
        warnings.clear();
        warnings.addAll(w);
      }
      return o;
    }, true, dry, apply ? null : manager(ctx));
    if (apply && info.subresource() == null) {
      result = result.recover(e -> {
        if (e instanceof ApiException a && a.code() == 404) {
          ObjectNode obj = objectBody(serverSideApply(info, null, (ObjectNode) patch, manager, force, schema),
              type, type.kind(), type.groupVersion());
          if (Objects.metaText(obj, "name").isEmpty()) {
            Objects.meta(obj).put("name", info.name());
          }
          return createObject(info, obj, dry, null).map(o -> {
            o.put("__created", true);
            return o;
          });
        }
        return Future.failedFuture(e);
      });
    }
    return result.map(o -> {
      boolean created = o.remove("__created") != null;
      return Reply.of(created ? 201 : 200, o).withWarnings(warnings);
    });
  }

  /** Server-side apply of {@code applied} onto {@code live} (null: create); 409 with causes on conflicts. */
  private static ObjectNode serverSideApply(RequestInfo info, ObjectNode live, ObjectNode applied, String manager,
      boolean force, PatchSchema schema) {
    ServerSideApply.Result r;
    try {
      r = ServerSideApply.apply(live, stripped(applied), manager, force, schema, Instant.now());
    } catch (PatchException e) {
      throw HttpReplies.toApi(e);
    }
    if (!r.ok()) {
      ObjectNode d = Json.mapper().createObjectNode();
      d.put("name", info.name());
      if (!info.type().group().isEmpty()) {
        d.put("group", info.type().group());
      }
      d.put("kind", info.type().resource());
      ArrayNode causes = d.putArray("causes");
      for (ServerSideApply.Conflict c : r.conflicts()) {
        causes.addObject().put("reason", "FieldManagerConflict").put("message", c.causeMessage()).put("field", c.field());
      }
      throw new ApiException(409, "Conflict", r.conflictMessage(), d);
    }
    return r.object();
  }

  private static ObjectNode stripped(ObjectNode p) {
    ObjectNode c = p.deepCopy();
    if (c.get("metadata") instanceof ObjectNode m) {
      m.remove("resourceVersion");
      m.remove("managedFields");
    }
    return c;
  }

  /**
   * Reads the current object, applies {@code mutate}, runs the strategy and writes with a
   * compare-and-swap on the revision read; on a conflict reads again when {@code retry}.
   */
  private Future<ObjectNode> guaranteedUpdate(RequestInfo info, UnaryOperator<ObjectNode> mutate, boolean retry,
      boolean dryRun, String manager) {
    Promise<ObjectNode> done = Promise.promise();
    attemptUpdate(info, mutate, retry, dryRun, manager, 0, done);
    return done.future();
  }

  private void attemptUpdate(RequestInfo info, UnaryOperator<ObjectNode> mutate, boolean retry, boolean dryRun,
      String manager, int attempt, Promise<ObjectNode> done) {
    ResourceType type = info.type();
    store.get(info.key()).compose(kv -> {
      if (kv == null) {
        throw ApiException.notFound(type, info.name());
      }
      ObjectNode old = Objects.decode(kv);
      ObjectNode obj = mutate.apply(old.deepCopy());
      ObjectNode prepared = prepareUpdate(info, obj, old);
      if (sameIgnoringVersion(prepared, old)) {
        return Future.succeededFuture(old);
      }
      ObjectNode next = manager == null ? prepared : ServerSideApply.recordUpdate(old, prepared, manager,
          info.subresource(), PatchSchema.forKind(type.group(), type.kind()), Instant.now());
      if (dryRun) {
        return Future.succeededFuture(next);
      }
      if (shouldDeleteDuringUpdate(type, next)) {
        return store.delete(info.key(), kv.modRevision()).map(d -> {
          hooks.released(type, next);
          return Objects.decode(Objects.encode(next), d.modRevision());
        });
      }
      return store.update(info.key(), Objects.encode(next), kv.modRevision()).map(u -> Objects.stored(next, u));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else if (ar.cause() instanceof StoreException.Conflict && retry && attempt < MAX_RETRIES) {
        attemptUpdate(info, mutate, retry, dryRun, manager, attempt + 1, done);
      } else if (ar.cause() instanceof StoreException.Conflict) {
        done.fail(ApiException.conflict(type, info.name()));
      } else if (ar.cause() instanceof StoreException.NotFound) {
        done.fail(ApiException.notFound(type, info.name()));
      } else {
        done.fail(ar.cause());
      }
    });
  }

  private ObjectNode prepareUpdate(RequestInfo info, ObjectNode obj, ObjectNode old) {
    ResourceType type = info.type();
    ObjectNode meta = Objects.meta(obj);
    ObjectNode oldMeta = Objects.meta(old);
    obj.put("apiVersion", type.groupVersion()).put("kind", type.kind());
    for (String f : new String[] {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation"}) {
      if (oldMeta.has(f)) {
        meta.set(f, oldMeta.get(f).deepCopy());
      } else {
        meta.remove(f);
      }
    }
    meta.put("resourceVersion", oldMeta.path("resourceVersion").asText());
    rejectWrongTypes(type, info.name(), obj, old);
    ResourceStrategy strategy = strategy(type);
    List<FieldError> errors = new ArrayList<>();
    if ("status".equals(info.subresource())) {
      strategy.prepareForStatusUpdate(obj, old);
    } else if ("finalize".equals(info.subresource())) {
      // only spec.finalizers changed (set by the caller); the strategy would keep the old spec
    } else {
      strategy.prepareForUpdate(obj, old);
      strategy.applyDefaults(obj);
    }
    errors.addAll(strategy.validateUpdate(obj, old));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(type.kind(), info.name(), errors);
    }
    hooks.beforeUpdate(type, obj, old);
    return obj;
  }

  private static boolean sameIgnoringVersion(ObjectNode a, ObjectNode b) {
    ObjectNode x = a.deepCopy();
    ObjectNode y = b.deepCopy();
    Objects.meta(x).remove("resourceVersion");
    Objects.meta(y).remove("resourceVersion");
    return x.equals(y);
  }

  private static boolean shouldDeleteDuringUpdate(ResourceType type, ObjectNode obj) {
    JsonNode meta = obj.path("metadata");
    if (!meta.has("deletionTimestamp") || meta.path("finalizers").size() > 0) {
      return false;
    }
    if (type.kind().equals("Namespace") && type.group().isEmpty()) {
      return obj.path("spec").path("finalizers").size() == 0;
    }
    if (type.kind().equals("Pod") && type.group().isEmpty()) {
      return meta.path("deletionGracePeriodSeconds").asLong(0) == 0;
    }
    return true;
  }

  // ---- delete ----

  /** Deletes the addressed object following {@code opts}; the result is what kubectl prints. */
  private Future<ObjectNode> delete(RequestInfo info, DeleteOptions opts) {
    Promise<ObjectNode> done = Promise.promise();
    attemptDelete(info, opts, 0, done);
    return done.future();
  }

  private void attemptDelete(RequestInfo info, DeleteOptions opts, int attempt, Promise<ObjectNode> done) {
    ResourceType type = info.type();
    store.get(info.key()).compose(kv -> {
      if (kv == null) {
        throw ApiException.notFound(type, info.name());
      }
      ObjectNode obj = Objects.decode(kv);
      ObjectNode meta = Objects.meta(obj);
      if (opts.uid() != null && !opts.uid().equals(meta.path("uid").asText())) {
        throw ApiException.conflict(type, info.name(), "Precondition failed: UID in precondition: " + opts.uid()
            + ", UID in object meta: " + meta.path("uid").asText());
      }
      if (opts.resourceVersion() != null && !opts.resourceVersion().equals(meta.path("resourceVersion").asText())) {
        throw ApiException.conflict(type, info.name(), "Precondition failed: ResourceVersion in precondition: "
            + opts.resourceVersion() + ", ResourceVersion in object meta: " + meta.path("resourceVersion").asText());
      }
      ObjectNode next = obj.deepCopy();
      ObjectNode nm = Objects.meta(next);
      boolean graceful = false;
      if (type.kind().equals("Namespace") && type.group().isEmpty()) {
        if (!nm.has("deletionTimestamp")) {
          nm.put("deletionTimestamp", Objects.now());
          nm.put("deletionGracePeriodSeconds", 0);
        }
        next.with("status").put("phase", "Terminating");
        graceful = next.path("spec").path("finalizers").size() > 0;
      } else if (type.kind().equals("Pod") && type.group().isEmpty()) {
        String node = next.path("spec").path("nodeName").asText("");
        String phase = next.path("status").path("phase").asText("");
        long grace = opts.gracePeriodSeconds() != null ? opts.gracePeriodSeconds()
            : next.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        if (node.isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
          grace = 0;
        }
        if (grace > 0) {
          long current = nm.path("deletionGracePeriodSeconds").asLong(Long.MAX_VALUE);
          if (!nm.has("deletionTimestamp") || grace < current) {
            nm.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
            nm.put("deletionGracePeriodSeconds", grace);
          }
          graceful = true;
        } else {
          nm.put("deletionGracePeriodSeconds", 0);
        }
      }
      ArrayNode finalizers = nm.has("finalizers") && nm.get("finalizers").isArray()
          ? (ArrayNode) nm.get("finalizers") : nm.putArray("finalizers");
      if ("Foreground".equals(opts.propagationPolicy())) {
        addFinalizer(finalizers, "foregroundDeletion");
        removeFinalizer(finalizers, "orphan");
      } else if ("Orphan".equals(opts.propagationPolicy())) {
        addFinalizer(finalizers, "orphan");
        removeFinalizer(finalizers, "foregroundDeletion");
      }
      if (finalizers.isEmpty()) {
        nm.remove("finalizers");
      }
      if (finalizers.size() > 0) {
        graceful = true;
        if (!nm.has("deletionTimestamp")) {
          nm.put("deletionTimestamp", Objects.now());
          nm.put("deletionGracePeriodSeconds", 0);
        }
      }
      if (graceful) {
        if (opts.dryRun() || sameIgnoringVersion(next, obj)) {
          return Future.succeededFuture(next);
        }
        return store.update(info.key(), Objects.encode(next), kv.modRevision()).map(u -> Objects.stored(next, u));
      }
      if (opts.dryRun()) {
        return Future.succeededFuture(obj);
      }
      return store.delete(info.key(), kv.modRevision()).map(d -> {
        hooks.released(type, obj);
        return Objects.decode(d.value(), d.modRevision());
      });
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else if (ar.cause() instanceof StoreException.Conflict && attempt < MAX_RETRIES) {
        attemptDelete(info, opts, attempt + 1, done);
      } else if (ar.cause() instanceof StoreException.NotFound) {
        done.fail(ApiException.notFound(type, info.name()));
      } else {
        done.fail(ar.cause());
      }
    });
  }

  private static void addFinalizer(ArrayNode f, String name) {
    for (JsonNode n : f) {
      if (n.asText().equals(name)) {
        return;
      }
    }
    f.add(name);
  }

  private static void removeFinalizer(ArrayNode f, String name) {
    for (int i = f.size() - 1; i >= 0; i--) {
      if (f.get(i).asText().equals(name)) {
        f.remove(i);
      }
    }
  }

  private Future<Reply> deleteCollection(RoutingContext ctx, RequestInfo info, DeleteOptions opts) {
    Predicate<ObjectNode> filter = filter(ctx, info, strategy(info.type()));
    return store.list(info.collectionPrefix(), null, 0, 0).compose(res -> {
      List<Future<ObjectNode>> all = new ArrayList<>();
      for (KeyValue kv : res.items()) {
        ObjectNode o = Objects.decode(kv);
        if (filter.test(o)) {
          RequestInfo one = new RequestInfo(info.type(), Objects.metaText(o, "namespace").isEmpty() ? null
              : Objects.metaText(o, "namespace"), Objects.metaText(o, "name"), null);
          all.add(delete(one, opts).recover(e -> e instanceof ApiException a && a.code() == 404
              ? Future.succeededFuture(null) : Future.failedFuture(e)));
        }
      }
      return Future.all(all).map(cf -> {
        ObjectNode list = Json.mapper().createObjectNode();
        list.put("kind", info.type().kind() + "List").put("apiVersion", info.type().groupVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(res.revision()));
        ArrayNode items = list.putArray("items");
        for (Future<ObjectNode> f : all) {
          if (f.result() != null) {
            items.add(f.result());
          }
        }
        return Reply.of(200, list);
      });
    });
  }

  // ---- subresources ----

  private Future<Reply> updateScale(RoutingContext ctx, RequestInfo info, JsonNode body, boolean isPatch) {
    String ct = ctx.request().getHeader("Content-Type");
    String mt = ct == null ? "" : ct.split(";")[0].trim();
    JsonNode patch = isPatch ? body(ctx) : null;
    ObjectNode scaleBody = isPatch ? null : objectBody(body, info.type(), "Scale", "autoscaling/v1");
    String rv = scaleBody == null ? "" : Objects.metaText(scaleBody, "resourceVersion");
    RequestInfo main = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return guaranteedUpdate(main, current -> {
      ObjectNode scale = Scales.toScale(current);
      ObjectNode wanted;
      if (isPatch) {
        JsonNode out = switch (mt) {
          case "application/json-patch+json" -> Patches.jsonPatch(scale, patch);
          case "application/merge-patch+json" -> Patches.mergePatch(scale, patch);
          case "application/strategic-merge-patch+json", "application/apply-patch+yaml" ->
              Patches.strategicMergePatch(scale, patch);
          default -> throw ApiException.unsupportedMediaType(ct);
        };
        wanted = (ObjectNode) out;
      } else {
        if (!rv.isEmpty() && !rv.equals(Objects.metaText(current, "resourceVersion"))) {
          throw ApiException.conflict(info.type(), info.name());
        }
        wanted = scaleBody;
      }
      JsonNode replicas = wanted.path("spec").path("replicas");
      if (!replicas.isMissingNode() && !replicas.isNull() && !(replicas.isIntegralNumber() && replicas.canConvertToInt())) {
        throw ApiException.badRequest("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas: "
            + "expected an integer (int32), got " + replicas);
      }
      if (replicas.asInt(0) < 0) {
        throw ApiException.invalid("Scale", info.name(),
            List.of(FieldError.invalid("spec.replicas", replicas.asInt(), "must be greater than or equal to 0")));
      }
      current.with("spec").put("replicas", replicas.asInt(0));
      return current;
    }, rv.isEmpty(), dryRun(ctx), manager(ctx)).map(o -> Reply.of(200, Scales.toScale(o)));
  }

  /** The namespace of a {@code POST /api/v1/namespaces/{ns}/bindings} request, else {@code null}. */
  private static String bindingsNamespace(RoutingContext ctx) {
    String path = ctx.request().path();
    String head = "/api/v1/namespaces/";
    if (ctx.request().method() != HttpMethod.POST || !path.startsWith(head) || !path.endsWith("/bindings")) {
      return null;
    }
    String ns = path.substring(head.length(), path.length() - "/bindings".length());
    return ns.isEmpty() || ns.contains("/") ? null : ns;
  }

  /** {@code POST .../namespaces/{ns}/bindings} (what fabric8's {@code bindings()} sends): binds the named pod. */
  private Future<Reply> bindings(RoutingContext ctx, String namespace) {
    ResourceType pods = types.find("", "v1", "pods").orElseThrow();
    ctx.put("resource", "bindings");
    verb(ctx, "create");
    JsonNode body = body(ctx);
    String name = body.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      throw ApiException.invalid("Binding", "", List.of(FieldError.required("metadata.name", "name or generateName is required")));
    }
    return bind(new RequestInfo(pods, namespace, name, "binding"), body);
  }

  private Future<Reply> bind(RequestInfo info, JsonNode body) {
    if (!(body instanceof ObjectNode b) || b.path("target").path("name").asText("").isEmpty()) {
      throw ApiException.invalid("Binding", info.name(), List.of(FieldError.required("target.name", "")));
    }
    String node = b.path("target").path("name").asText();
    RequestInfo pod = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return guaranteedUpdate(pod, current -> {
      String uid = b.path("metadata").path("uid").asText("");
      if (!uid.isEmpty() && !uid.equals(Objects.metaText(current, "uid"))) {
        throw ApiException.conflict(info.type(), info.name(), "Precondition failed: UID in precondition: " + uid
            + ", UID in object meta: " + Objects.metaText(current, "uid"));
      }
      if (current.path("metadata").has("deletionTimestamp")) {
        throw ApiException.conflict(info.type(), info.name(), "pod " + info.name() + " is being deleted, cannot be assigned to a host");
      }
      String bound = current.path("spec").path("nodeName").asText("");
      if (!bound.isEmpty()) {
        throw ApiException.conflict(info.type(), info.name(), "pod " + info.name() + " is already assigned to node \""
            + bound + "\"");
      }
      current.with("spec").put("nodeName", node);
      ArrayNode conds = current.with("status").withArray("conditions");
      for (int i = conds.size() - 1; i >= 0; i--) {
        if (conds.get(i).path("type").asText().equals("PodScheduled")) {
          conds.remove(i);
        }
      }
      conds.addObject().put("type", "PodScheduled").put("status", "True").put("lastTransitionTime", Objects.now());
      return current;
    }, true, false, null).map(o -> Reply.of(201, success(201)));
  }

  private Future<Reply> evict(RoutingContext ctx, RequestInfo info, JsonNode body) {
    if (!(body instanceof ObjectNode b)) {
      throw ApiException.badRequest("the request body must be an Eviction");
    }
    String name = b.path("metadata").path("name").asText("");
    if (!name.isEmpty() && !name.equals(info.name())) {
      throw ApiException.badRequest("name in URL does not match name in Eviction object");
    }
    DeleteOptions opts = DeleteOptions.from(b.path("deleteOptions"), k -> null);
    if (dryRun(ctx)) {
      opts = new DeleteOptions(opts.gracePeriodSeconds(), opts.uid(), opts.resourceVersion(), opts.propagationPolicy(), true);
    }
    DeleteOptions options = opts;
    RequestInfo pod = new RequestInfo(info.type(), info.namespace(), info.name(), null);
    return get(pod).compose(p -> checkDisruptionBudgets(p, options.dryRun()))
        .compose(v -> delete(pod, options))
        .map(o -> Reply.of(201, success(201)));
  }

  /**
   * For a running pod, finds the PodDisruptionBudgets selecting it: fails with 429 when one allows
   * no disruption, otherwise takes one disruption from each (as the eviction API does).
   */
  private Future<Void> checkDisruptionBudgets(ObjectNode pod, boolean dryRun) {
    String phase = pod.path("status").path("phase").asText("");
    if (!phase.equals("Running") || pod.path("metadata").has("deletionTimestamp")) {
      return Future.succeededFuture();
    }
    ResourceType pdbType = types.find("policy", "v1", "poddisruptionbudgets").orElseThrow();
    String ns = Objects.metaText(pod, "namespace");
    Map<String, String> labels = Objects.labels(pod);
    return store.list(pdbType.keyPrefix() + ns + "/", null, 0, 0).compose(res -> {
      List<ObjectNode> matching = new ArrayList<>();
      for (KeyValue kv : res.items()) {
        ObjectNode pdb = Objects.decode(kv);
        try {
          JsonNode sel = pdb.path("spec").path("selector");
          if (!sel.isMissingNode() && !sel.isNull()
              && io.jk.apiserver.selection.LabelSelector.fromObject(sel).matches(labels)) {
            matching.add(pdb);
          }
        } catch (io.jk.apiserver.selection.SelectorException e) {
          // a PDB with a broken selector selects nothing
        }
      }
      if (matching.size() > 1) {
        throw new ApiException(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
            + "eviction subresource does not support.", null);
      }
      if (matching.isEmpty()) {
        return Future.succeededFuture();
      }
      ObjectNode pdb = matching.get(0);
      int allowed = pdb.path("status").path("disruptionsAllowed").asInt(0);
      long observed = pdb.path("status").path("observedGeneration").asLong(-1);
      if (allowed <= 0 || observed < pdb.path("metadata").path("generation").asLong(1)) {
        ObjectNode d = Json.mapper().createObjectNode();
        d.putArray("causes").addObject().put("reason", "DisruptionBudget").put("message",
            "The disruption budget " + Objects.metaText(pdb, "name") + " needs "
                + pdb.path("status").path("desiredHealthy").asInt(0) + " healthy pods and has "
                + pdb.path("status").path("currentHealthy").asInt(0) + " currently");
        return Future.failedFuture(new ApiException(429, "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.", d));
      }
      if (dryRun) {
        return Future.succeededFuture();
      }
      ObjectNode next = pdb.deepCopy();
      ((ObjectNode) next.get("status")).put("disruptionsAllowed", allowed - 1);
      next.with("status").with("disruptedPods").put(Objects.metaText(pod, "name"), Objects.now());
      long rev = Long.parseLong(Objects.metaText(pdb, "resourceVersion"));
      return store.update(pdbType.key(ns, Objects.metaText(pdb, "name")), Objects.encode(next), rev)
          .<Void>mapEmpty().recover(e -> Future.failedFuture(e instanceof StoreException.Conflict
              ? ApiException.tooManyRequests("the disruption budget changed; please retry")
              : e));
    });
  }

  /** {@code log} and {@code exec}: proxied to the kubelet of the pod's node, which answers {@code ctx}. */
  private Future<Reply> podStream(RoutingContext ctx, RequestInfo info) {
    KubeletProxy.acceptUpgrade(ctx); // now, before the request is read to its end
    return get(new RequestInfo(info.type(), info.namespace(), info.name(), null)).compose(pod -> {
      String node = pod.path("spec").path("nodeName").asText("");
      Future<ObjectNode> nodeObj = node.isEmpty() ? Future.succeededFuture(null)
          : store.get(new RequestInfo(types.find("", "v1", "nodes").orElseThrow(), null, node, null).key())
              .map(kv -> kv == null ? null : (ObjectNode) parse(Buffer.buffer(kv.value()), "application/json"));
      return nodeObj.map(n -> {
        kubelets.serve(ctx, info.subresource(), pod, n);
        return (Reply) null;
      });
    }).recover(e -> KubeletProxy.failUpgrade(ctx, e) ? Future.succeededFuture(null) : Future.failedFuture(e));
  }


  private static ObjectNode success(int code) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    s.put("status", "Success").put("code", code);
    return s;
  }

  private static boolean isTrue(String v) {
    return v != null && (v.equals("true") || v.equals("1"));
  }

  static {
    LOG.debug("RestHandler loaded");
  }
}
