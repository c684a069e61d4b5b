package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.vertx.core.Handler;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Vert.x Web handler that authorizes every request; mount it after {@link
 * AuthenticationHandler} (and after a {@code BodyHandler}, so that a kubelet's create of its
 * own Node, Lease or mirror pod can be checked against the body's {@code metadata.name} and
 * {@code spec.nodeName}).
 *
 * <p>Parses the request with {@link RequestAttributes#fromHttp}, asks the {@link Authorizer},
 * and either stores the attributes in the routing context ({@link #attributes}) and continues,
 * or answers 403 with a Kubernetes {@code Status} whose message is kube-apiserver's.
 */
public final class AuthorizationHandler implements Handler<RoutingContext> {

  /** The routing context key under which the {@link RequestAttributes} are stored. */
  public static final String ATTRIBUTES_KEY = "jk.requestAttributes";

  private final Authorizer authorizer;

  private AuthorizationHandler(Authorizer authorizer) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
  }

  /** A handler deciding with {@code authorizer} (typically {@link Authorizers#standard}). */
  public static AuthorizationHandler create(Authorizer authorizer) {
    return new AuthorizationHandler(authorizer);
  }

  /** The attributes the handler stored in {@code ctx}; empty when it did not run. */
  public static Optional<RequestAttributes> attributes(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(ATTRIBUTES_KEY));
  }

  @Override
  public void handle(RoutingContext ctx) {
    Optional<UserInfo> user = AuthenticationHandler.user(ctx);
    if (user.isEmpty()) {
      StatusResponses.send(ctx, 401, StatusResponses.unauthorized());
      return;
    }
    RequestAttributes attributes = RequestAttributes.fromHttp(ctx.request().method().name(),
        ctx.normalizedPath(), ctx.request().getParam("watch"), ctx.request().getParam("fieldSelector"));
    if (attributes.verb().equals("create") && attributes.resourceRequest()) {
      attributes = withBodyObject(ctx, attributes);
    }
    Decision decision;
    try {
      decision = authorizer.authorize(user.get(), attributes);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    if (decision.allowed()) {
      ctx.put(ATTRIBUTES_KEY, attributes);
      ctx.next();
    } else {
      String message = Authorizer.forbiddenMessage(user.get(), attributes, decision.reason());
      StatusResponses.send(ctx, 403, StatusResponses.forbidden(message, attributes));
    }
  }

  /** Adds the body's metadata.name and spec.nodeName when a JSON body was read. */
  private static RequestAttributes withBodyObject(RoutingContext ctx, RequestAttributes attributes) {
    RequestBody body = ctx.body();
    if (body == null || !body.available() || body.isEmpty()) {
      return attributes;
    }
    try {
      JsonNode object = Json.mapper().readTree(body.buffer().getBytes());
      if (object == null || !object.isObject()) {
        return attributes;
      }
      return attributes.withObject(object.path("metadata").path("name").asText(""),
          object.path("spec").path("nodeName").asText(""));
    } catch (IOException e) {
      return attributes; // the REST handler reports the bad body
    }
  }
}
