package io.jk.apiserver.auth;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Vert.x Web handler that authenticates every request; mount it on the router before the API
 * routes ({@code router.route().handler(AuthenticationHandler.create(authenticator))}).
 *
 * <p>The user (with {@code system:authenticated}) goes into the routing context, read with
 * {@link #user(RoutingContext)}. A request without recognized credentials gets 401 with the
 * Kubernetes {@code Status} body, except on {@code /healthz}, {@code /livez}, {@code /readyz},
 * {@code /version} (and their sub-paths), which pass as {@link UserInfo#ANONYMOUS_USER} when no
 * credentials were sent. As in Kubernetes, a bearer token that is wrong fails even there.
 */
public final class AuthenticationHandler implements Handler<RoutingContext> {

  /** The routing context key under which the {@link UserInfo} is stored. */
  public static final String USER_KEY = "jk.user";

  private static final Set<String> PUBLIC_PATHS = Set.of("/healthz", "/livez", "/readyz", "/version");

  private final Authenticator authenticator;

  private AuthenticationHandler(Authenticator authenticator) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
  }

  /** A handler authenticating with {@code authenticator} (typically {@link Authenticator#union}). */
  public static AuthenticationHandler create(Authenticator authenticator) {
    return new AuthenticationHandler(authenticator);
  }

  /** The user the handler stored in {@code ctx}; empty when the handler did not run. */
  public static Optional<UserInfo> user(RoutingContext ctx) {
    return Optional.ofNullable(ctx.get(USER_KEY));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    List<X509Certificate> chain = peerChain(ctx);
    Optional<UserInfo> user;
    try {
      user = authenticator.authenticate(header, chain);
    } catch (RuntimeException e) {
      ctx.fail(e);
      return;
    }
    if (user.isPresent()) {
      ctx.put(USER_KEY, user.get().withGroup(UserInfo.AUTHENTICATED));
      ctx.next();
    } else if (header == null && chain.isEmpty() && isPublicPath(ctx.normalizedPath())) {
      ctx.put(USER_KEY, UserInfo.ANONYMOUS_USER);
      ctx.next();
    } else {
      StatusResponses.send(ctx, 401, StatusResponses.unauthorized());
    }
  }

  /** Whether anonymous requests may reach {@code path}. */
  public static boolean isPublicPath(String path) {
    if (path == null) {
      return false;
    }
    for (String prefix : PUBLIC_PATHS) {
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return true;
      }
    }
    return false;
  }

  private static List<X509Certificate> peerChain(RoutingContext ctx) {
    SSLSession session = ctx.request().sslSession();
    if (session == null) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate cert : session.getPeerCertificates()) {
        if (cert instanceof X509Certificate x509) {
          chain.add(x509);
        }
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return List.of(); // no client certificate was sent
    }
  }
}
