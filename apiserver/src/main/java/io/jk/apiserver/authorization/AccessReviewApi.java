package io.jk.apiserver.authorization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.AuthenticationHandler;
import io.jk.apiserver.auth.Authorizer;
import io.jk.apiserver.auth.Decision;
import io.jk.apiserver.auth.RequestAttributes;
import io.jk.apiserver.auth.UserInfo;
import io.jk.apiserver.auth.rbac.PolicyRule;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.registry.FieldError;
import io.jk.common.json.Json;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The {@code authorization.k8s.io/v1} API, answered from the server's authorizer (nothing is
 * stored; every review answers 201 as kube-apiserver does):
 * <ul>
 *   <li>{@code selfsubjectaccessreviews}: may the caller do this ({@code kubectl auth can-i});
 *   <li>{@code selfsubjectrulesreviews}: what may the caller do in a namespace ({@code kubectl
 *       auth can-i --list});
 *   <li>{@code subjectaccessreviews}: may the user in {@code spec} do this;
 *   <li>{@code namespaces/<ns>/localsubjectaccessreviews}: the same, within one namespace.
 * </ul>
 * Who may create each review is the authorizer's decision, made before these handlers run.
 */
public final class AccessReviewApi {

  /** The API group. */
  public static final String GROUP = "authorization.k8s.io";
  private static final String BASE = "/apis/" + GROUP + "/v1/";

  private final Authorizer authorizer;
  private final BiFunction<UserInfo, String, List<PolicyRule>> rules;
  private final boolean allowAll;

  /**
   * Reviews decided by {@code authorizer}.
   *
   * @param rules the RBAC rules of a user in a namespace, for rules reviews
   * @param allowAll whether the chain allows everyone everything ({@code AlwaysAllow})
   */
  public AccessReviewApi(Authorizer authorizer, BiFunction<UserInfo, String, List<PolicyRule>> rules,
      boolean allowAll) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.allowAll = allowAll;
  }

  /** Mounts the four reviews on {@code router} (before the generic REST handler). */
  public void mount(Router router) {
    router.route(BASE + "selfsubjectaccessreviews").handler(ctx -> review(ctx, "SelfSubjectAccessReview", null));
    router.route(BASE + "subjectaccessreviews").handler(ctx -> review(ctx, "SubjectAccessReview", null));
    router.route(BASE + "namespaces/:namespace/localsubjectaccessreviews").handler(ctx ->
        review(ctx, "LocalSubjectAccessReview", ctx.pathParam("namespace")));
    router.route(BASE + "selfsubjectrulesreviews").handler(this::rulesReview);
  }

  private void review(RoutingContext ctx, String kind, String pathNamespace) {
    ObjectNode in = body(ctx, kind);
    if (in == null) {
      return;
    }
    JsonNode spec = in.path("spec");
    boolean self = kind.equals("SelfSubjectAccessReview");
    UserInfo user;
    if (self) {
      user = AuthenticationHandler.user(ctx).orElse(UserInfo.ANONYMOUS_USER);
    } else {
      String name = spec.path("user").asText("");
      List<String> groups = new ArrayList<>();
      spec.path("groups").forEach(g -> groups.add(g.asText()));
      if (name.isEmpty() && groups.isEmpty()) {
        HttpReplies.fail(ctx, ApiException.invalid(kind, "", List.of(FieldError.required("spec.user",
            "at least one of user or group must be specified"))));
        return;
      }
      user = new UserInfo(name, spec.path("uid").asText(""), groups);
    }
    JsonNode res = spec.path("resourceAttributes");
    JsonNode non = spec.path("nonResourceAttributes");
    RequestAttributes attributes;
    if (res.isObject() && non.isObject()) {
      HttpReplies.fail(ctx, ApiException.invalid(kind, "", List.of(FieldError.invalid("spec.nonResourceAttributes",
          "", "cannot be specified in combination with resourceAttributes"))));
      return;
    } else if (res.isObject()) {
      String namespace = res.path("namespace").asText("");
      if (pathNamespace != null) {
        if (!namespace.isEmpty() && !namespace.equals(pathNamespace)) {
          HttpReplies.fail(ctx, ApiException.badRequest("spec.resourceAttributes.namespace must match namespace: "
              + pathNamespace));
          return;
        }
        namespace = pathNamespace;
      }
      attributes = RequestAttributes.resource(res.path("verb").asText(""), res.path("group").asText(""),
          res.path("resource").asText(""), res.path("subresource").asText(""), namespace, res.path("name").asText(""));
    } else if (non.isObject()) {
      attributes = RequestAttributes.nonResource(non.path("verb").asText(""), non.path("path").asText(""));
    } else {
      HttpReplies.fail(ctx, ApiException.invalid(kind, "", List.of(FieldError.required("spec.resourceAttributes",
          "exactly one of nonResourceAttributes or resourceAttributes must be specified"))));
      return;
    }
    Decision decision = authorizer.authorize(user, attributes);
    ObjectNode out = header(kind, in);
    out.set("spec", spec.deepCopy());
    ObjectNode status = out.putObject("status");
    status.put("allowed", decision.allowed());
    if (decision.kind() == Decision.Kind.DENY && !decision.reason().isEmpty()) {
      status.put("denied", true);
    }
    if (!decision.reason().isEmpty()) {
      status.put("reason", decision.reason());
    }
    HttpReplies.json(ctx, 201, out);
  }

  private void rulesReview(RoutingContext ctx) {
    ObjectNode in = body(ctx, "SelfSubjectRulesReview");
    if (in == null) {
      return;
    }
    String namespace = in.path("spec").path("namespace").asText("");
    UserInfo user = AuthenticationHandler.user(ctx).orElse(UserInfo.ANONYMOUS_USER);
    List<PolicyRule> granted = new ArrayList<>();
    if (allowAll && !user.name().equals(UserInfo.ANONYMOUS)) {
      granted.add(PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")));
      granted.add(PolicyRule.urls(List.of("*"), List.of("*")));
    }
    granted.addAll(rules.apply(user, namespace));
    ObjectNode out = header("SelfSubjectRulesReview", in);
    out.putObject("spec").put("namespace", namespace);
    ObjectNode status = out.putObject("status");
    ArrayNode resourceRules = status.putArray("resourceRules");
    ArrayNode nonResourceRules = status.putArray("nonResourceRules");
    for (PolicyRule r : granted) {
      if (!r.resources().isEmpty()) {
        ObjectNode o = resourceRules.addObject();
        strings(o.putArray("verbs"), r.verbs());
        strings(o.putArray("apiGroups"), r.apiGroups());
        strings(o.putArray("resources"), r.resources());
        if (!r.resourceNames().isEmpty()) {
          strings(o.putArray("resourceNames"), r.resourceNames());
        }
      }
      if (!r.nonResourceUrls().isEmpty()) {
        ObjectNode o = nonResourceRules.addObject();
        strings(o.putArray("verbs"), r.verbs());
        strings(o.putArray("nonResourceURLs"), r.nonResourceUrls());
      }
    }
    // the Node authorizer's grants are not rules: a kubelet's list is incomplete, as in Kubernetes
    status.put("incomplete", user.inGroup(UserInfo.NODES));
    HttpReplies.json(ctx, 201, out);
  }

  /** The request's JSON object, or null after answering 405 or 400. */
  private static ObjectNode body(RoutingContext ctx, String kind) {
    String resource = kind.toLowerCase(java.util.Locale.ROOT) + "s";
    ctx.put("verb", "create");
    ctx.put("resource", resource);
    if (ctx.request().method() != HttpMethod.POST) {
      HttpReplies.fail(ctx, ApiException.methodNotAllowed("the server does not allow this method on the requested "
          + "resource (" + ctx.request().method().name() + " " + resource + ")"));
      return null;
    }
    try {
      JsonNode body = io.jk.apiserver.auth.RequestObjects.read(ctx);
      if (body instanceof ObjectNode o) {
        return o;
      }
    } catch (java.io.IOException | RuntimeException e) {
      // answered below
    }
    HttpReplies.fail(ctx, ApiException.badRequest("the request body could not be decoded as a " + kind));
    return null;
  }

  private static ObjectNode header(String kind, ObjectNode in) {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("kind", kind).put("apiVersion", GROUP + "/v1");
    ObjectNode meta = out.putObject("metadata");
    meta.putNull("creationTimestamp");
    JsonNode inMeta = in.path("metadata");
    if (inMeta.isObject()) {
      inMeta.fields().forEachRemaining(e -> {
        if (!e.getKey().equals("creationTimestamp")) {
          meta.set(e.getKey(), e.getValue());
        }
      });
    }
    return out;
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
