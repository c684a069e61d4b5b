package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.common.json.Json;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The {@code authentication.k8s.io/v1} API's reviews, answered from the request's own
 * authentication (no storage):
 * <ul>
 *   <li>{@code POST /apis/authentication.k8s.io/v1/selfsubjectreviews}: who the caller is
 *       ({@code kubectl auth whoami});
 *   <li>{@code POST /apis/authentication.k8s.io/v1/tokenreviews}: who a bearer token in
 *       {@code spec.token} is ({@code status.authenticated}, {@code status.user}), for
 *       components that accept service account tokens themselves. JSON bodies only.
 * </ul>
 * Both answer 201 as kube-apiserver does.
 */
public final class AuthenticationApi {

  /** Path of SelfSubjectReviews. */
  public static final String SELF_SUBJECT_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  /** Path of TokenReviews. */
  public static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";

  private final Authenticator authenticator;

  /** Reviews tokens with {@code authenticator} (the API server's own union). */
  public AuthenticationApi(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** Answers a SelfSubjectReview with the caller's user. */
  public void selfSubjectReview(RoutingContext ctx) {
    ctx.put("verb", "create");
    ctx.put("resource", "selfsubjectreviews");
    if (ctx.request().method() != HttpMethod.POST) {
      HttpReplies.fail(ctx, notAllowed(ctx, "selfsubjectreviews"));
      return;
    }
    Optional<UserInfo> user = AuthenticationHandler.user(ctx);
    ObjectNode out = review("SelfSubjectReview");
    userJson(out.putObject("status").putObject("userInfo"), user.orElse(UserInfo.ANONYMOUS_USER));
    HttpReplies.json(ctx, 201, out);
  }

  /** Answers a TokenReview: whether {@code spec.token} authenticates, and as whom. */
  public void tokenReview(RoutingContext ctx) {
    ctx.put("verb", "create");
    ctx.put("resource", "tokenreviews");
    if (ctx.request().method() != HttpMethod.POST) {
      HttpReplies.fail(ctx, notAllowed(ctx, "tokenreviews"));
      return;
    }
    String token;
    try {
      JsonNode body = Json.mapper().readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
      token = body == null ? "" : body.path("spec").path("token").asText("");
    } catch (IOException e) {
      HttpReplies.fail(ctx, ApiException.badRequest("the request body could not be decoded as a TokenReview"));
      return;
    }
    if (token.isEmpty()) {
      HttpReplies.fail(ctx, ApiException.invalid("TokenReview", "", List.of(
          io.jk.apiserver.registry.FieldError.required("spec.token", ""))));
      return;
    }
    ObjectNode out = review("TokenReview");
    out.putObject("spec").put("token", token);
    ObjectNode status = out.putObject("status");
    Optional<UserInfo> user;
    try {
      user = authenticator.authenticate("Bearer " + token, List.of());
    } catch (RuntimeException e) {
      user = Optional.empty();
    }
    status.put("authenticated", user.isPresent());
    if (user.isPresent()) {
      userJson(status.putObject("user"), user.get().withGroup(UserInfo.AUTHENTICATED));
    } else {
      status.put("error", "invalid bearer token");
    }
    HttpReplies.json(ctx, 201, out);
  }

  private static ObjectNode review(String kind) {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("kind", kind).put("apiVersion", "authentication.k8s.io/v1");
    out.putObject("metadata").put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return out;
  }

  private static void userJson(ObjectNode o, UserInfo user) {
    o.put("username", user.name());
    if (!user.uid().isEmpty()) {
      o.put("uid", user.uid());
    }
    ArrayNode groups = o.putArray("groups");
    user.groups().forEach(groups::add);
  }

  private static ApiException notAllowed(RoutingContext ctx, String resource) {
    return ApiException.methodNotAllowed("the server does not allow this method on the requested resource ("
        + ctx.request().method().name() + " " + resource + ")");
  }
}
