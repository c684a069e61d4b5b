package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.AuthenticationHandler;
import io.jk.apiserver.auth.NodeAuthorizer;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.registry.ResourceTypes;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.storage.Store;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token}: Kubernetes' TokenRequest
 * subresource. Answers 201 with the TokenRequest, its {@code status.token} a JWT signed by
 * {@link ServiceAccountTokens} and {@code status.expirationTimestamp}.
 *
 * <ul>
 *   <li>404 when the service account (or the bound pod or secret) does not exist; 409 when the
 *       bound object's uid differs from the one sent; 400 when a bound pod runs as another
 *       service account.
 *   <li>Audiences default to the API server's; lifetime to 3600 s (at least 600 s).
 *   <li>A token bound to a pod that asks for exactly 3607 s (what the kubelet's projected volumes
 *       ask for) is given a year, with {@code warnafter} at 3607 s, as kube-apiserver's
 *       {@code --service-account-extend-token-expiration} does: the kubelet does not refresh it.
 *   <li>A kubelet ({@code system:node:<n>}) may only ask for tokens bound to a pod scheduled to
 *       node {@code n} that runs as this service account (Kubernetes' NodeRestriction).
 * </ul>
 */
public final class TokenRequestHandler implements Handler<RoutingContext> {

  /** The path this handler serves, as a Vert.x route regex. */
  public static final String PATH_REGEX = "^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/]+)/token$";
  /** What the kubelet asks for in projected volumes; such pod-bound tokens are extended. */
  static final long KUBELET_EXPIRATION_SECONDS = 3607;
  /** The lifetime of extended tokens (kube-apiserver's one year). */
  static final long EXTENDED_EXPIRATION_SECONDS = 365L * 24 * 3600;
  private static final Pattern PATH = Pattern.compile(PATH_REGEX);

  private final ServiceAccountTokens tokens;
  private final Store store;
  private final ResourceType serviceAccounts;
  private final ResourceType pods;
  private final ResourceType secrets;
  private final ResourceType nodes;
  private final Clock clock;

  /** A handler issuing tokens of {@code tokens} for the objects in {@code store}. */
  public TokenRequestHandler(ServiceAccountTokens tokens, Store store, ResourceTypes types) {
    this(tokens, store, types, Clock.systemUTC());
  }

  TokenRequestHandler(ServiceAccountTokens tokens, Store store, ResourceTypes types, Clock clock) {
    this.tokens = tokens;
    this.store = store;
    this.serviceAccounts = types.find("", "v1", "serviceaccounts").orElseThrow();
    this.pods = types.find("", "v1", "pods").orElseThrow();
    this.secrets = types.find("", "v1", "secrets").orElseThrow();
    this.nodes = types.find("", "v1", "nodes").orElseThrow();
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.put("verb", "create");
    ctx.put("resource", "serviceaccounts/token");
    Future<ObjectNode> reply;
    try {
      if (ctx.request().method() != HttpMethod.POST) {
        throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource ("
            + ctx.request().method().name() + " serviceaccounts/token)");
      }
      Matcher m = PATH.matcher(ctx.request().path());
      if (!m.matches()) {
        throw ApiException.notFoundPath();
      }
      String ns = decode(m.group(1));
      String name = decode(m.group(2));
      byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
      TokenRequests.Spec spec = TokenRequests.parse(body, ctx.request().getHeader("Content-Type"), name);
      Optional<String> node = AuthenticationHandler.user(ctx).flatMap(NodeAuthorizer::nodeName);
      reply = issue(ns, name, spec, node);
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onSuccess(r -> HttpReplies.json(ctx, 201, r)).onFailure(e -> HttpReplies.fail(ctx, e));
  }

  /**
   * Issues a token for service account {@code ns/name}.
   *
   * @param node the requesting kubelet's node name, when a kubelet asks
   */
  Future<ObjectNode> issue(String ns, String name, TokenRequests.Spec spec, Optional<String> node) {
    return store.get(serviceAccounts.key(ns, name)).compose(saKv -> {
      if (saKv == null) {
        throw ApiException.notFound(serviceAccounts, name);
      }
      ObjectNode sa = Objects.decode(saKv);
      if (node.isPresent() && !"Pod".equals(spec.boundKind())) {
        throw forbidden(name, "node requested token not bound to a pod");
      }
      if (spec.boundKind() == null) {
        return Future.succeededFuture(sign(ns, sa, spec, null, null));
      }
      ResourceType type = spec.boundKind().equals("Pod") ? pods : secrets;
      return store.get(type.key(ns, spec.boundName())).compose(kv -> {
        if (kv == null) {
          throw ApiException.notFound(type, spec.boundName());
        }
        ObjectNode bound = Objects.decode(kv);
        String uid = Objects.metaText(bound, "uid");
        if (!spec.boundUid().isEmpty() && !spec.boundUid().equals(uid)) {
          throw ApiException.conflict(type, spec.boundName(), "the UID in the bound object reference ("
              + spec.boundUid() + ") does not match the UID in record. The object might have been deleted and then recreated");
        }
        if (type == secrets) {
          return Future.succeededFuture(sign(ns, sa, spec, bound, null));
        }
        String podSa = bound.path("spec").path("serviceAccountName").asText("");
        if (!(podSa.isEmpty() ? "default" : podSa).equals(name)) {
          throw ApiException.badRequest("cannot bind token for serviceaccount \"" + name
              + "\" to pod running with different serviceaccount name.");
        }
        String podNode = bound.path("spec").path("nodeName").asText("");
        if (node.isPresent() && !node.get().equals(podNode)) {
          throw forbidden(name, "node requested token bound to a pod scheduled on a different node");
        }
        if (podNode.isEmpty()) {
          return Future.succeededFuture(sign(ns, sa, spec, bound, null));
        }
        return store.get(nodes.key(null, podNode)).map(nodeKv ->
            sign(ns, sa, spec, bound, nodeKv == null ? new NodeRef(podNode, null)
                : new NodeRef(podNode, Objects.metaText(Objects.decode(nodeKv), "uid"))));
      });
    });
  }

  private record NodeRef(String name, String uid) {}

  private ObjectNode sign(String ns, ObjectNode sa, TokenRequests.Spec spec, ObjectNode bound, NodeRef node) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    long iat = now.getEpochSecond();
    List<String> audiences = spec.audiences().isEmpty() ? tokens.apiAudiences() : spec.audiences();
    boolean extend = bound != null && spec.boundKind().equals("Pod")
        && spec.expirationSeconds() == KUBELET_EXPIRATION_SECONDS;
    long lifetime = extend ? EXTENDED_EXPIRATION_SECONDS : spec.expirationSeconds();
    TokenClaims.BoundObject ref = bound == null ? null
        : new TokenClaims.BoundObject(spec.boundKind(), Objects.metaText(bound, "name"), Objects.metaText(bound, "uid"));
    String saName = Objects.metaText(sa, "name");
    TokenClaims claims = new TokenClaims(tokens.issuer(), audiences, iat, iat, iat + lifetime,
        UUID.randomUUID().toString(), ns, saName, Objects.metaText(sa, "uid"), ref,
        node == null ? null : node.name(), node == null ? null : node.uid(),
        extend ? iat + spec.expirationSeconds() : null);
    String token = tokens.sign(claims);

    ObjectNode out = Json.mapper().createObjectNode();
    out.put("kind", "TokenRequest").put("apiVersion", "authentication.k8s.io/v1");
    out.putObject("metadata").put("name", saName).put("namespace", ns)
        .put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(now));
    ObjectNode s = out.putObject("spec");
    audiences.forEach(s.putArray("audiences")::add);
    s.put("expirationSeconds", spec.expirationSeconds());
    if (ref != null) {
      s.putObject("boundObjectRef").put("kind", ref.kind()).put("apiVersion", "v1").put("name", ref.name())
          .put("uid", ref.uid());
    } else {
      s.putNull("boundObjectRef");
    }
    out.putObject("status").put("token", token).put("expirationTimestamp",
        DateTimeFormatter.ISO_INSTANT.format(now.plusSeconds(spec.expirationSeconds())));
    return out;
  }

  private static ApiException forbidden(String name, String why) {
    return ApiException.forbidden("serviceaccounts \"" + name + "\" is forbidden: " + why);
  }

  private static String decode(String segment) {
    return java.net.URLDecoder.decode(segment, java.nio.charset.StandardCharsets.UTF_8);
  }
}
