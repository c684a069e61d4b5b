package io.jk.apiserver.auth;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Kubernetes' user impersonation ({@code kubectl --as bob --as-group devs}): a Vert.x handler
 * mounted after {@link AuthenticationHandler} and before {@link AuthorizationHandler}.
 *
 * <p>With an {@code Impersonate-User} header (and optional {@code Impersonate-Group} headers and
 * {@code Impersonate-Uid}), the requester must be allowed the verb {@code impersonate} on {@code
 * users} (or on the {@code serviceaccounts} object for {@code system:serviceaccount:<ns>:<name>}),
 * on each {@code groups} name and on {@code uids}; the request then proceeds as that user, in the
 * groups named (a service account's groups when none are), plus {@code system:authenticated}.
 * Groups without a user are a 400; a refused impersonation a 403 naming what was refused.
 */
public final class ImpersonationHandler implements Handler<RoutingContext> {

  private static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private final Authorizer authorizer;

  /** A handler asking {@code authorizer} (the server's chain) whether impersonation is allowed. */
  public ImpersonationHandler(Authorizer authorizer) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
  }

  @Override
  public void handle(RoutingContext ctx) {
    String name = ctx.request().getHeader("Impersonate-User");
    List<String> groups = ctx.request().headers().getAll("Impersonate-Group");
    String uid = ctx.request().getHeader("Impersonate-Uid");
    if (name == null && groups.isEmpty() && uid == null) {
      ctx.next();
      return;
    }
    UserInfo requester = AuthenticationHandler.user(ctx).orElse(null);
    if (requester == null) {
      StatusResponses.send(ctx, 401, StatusResponses.unauthorized());
      return;
    }
    if (name == null || name.isEmpty()) {
      ctx.fail(io.jk.apiserver.http.ApiException.badRequest(
          "impersonating user must be specified along with groups, extra or uid"));
      return;
    }
    List<RequestAttributes> asked = new ArrayList<>();
    List<String> effectiveGroups = new ArrayList<>(groups);
    if (name.startsWith(SERVICE_ACCOUNT_PREFIX) && name.split(":").length == 4) {
      String[] parts = name.split(":");
      asked.add(RequestAttributes.resource("impersonate", "", "serviceaccounts", "", parts[2], parts[3]));
      if (groups.isEmpty()) {
        effectiveGroups.add("system:serviceaccounts");
        effectiveGroups.add("system:serviceaccounts:" + parts[2]);
      }
    } else {
      asked.add(RequestAttributes.resource("impersonate", "", "users", "", "", name));
    }
    for (String g : groups) {
      asked.add(RequestAttributes.resource("impersonate", "", "groups", "", "", g));
    }
    if (uid != null) {
      asked.add(RequestAttributes.resource("impersonate", "authentication.k8s.io", "uids", "", "", uid));
    }
    for (RequestAttributes a : asked) {
      Decision d = authorizer.authorize(requester, a);
      if (!d.allowed()) {
        StatusResponses.send(ctx, 403, StatusResponses.forbidden(
            Authorizer.forbiddenMessage(requester, a, d.reason()), a));
        return;
      }
    }
    UserInfo impersonated = new UserInfo(name, uid, effectiveGroups);
    impersonated = name.equals(UserInfo.ANONYMOUS) ? impersonated.withGroup(UserInfo.UNAUTHENTICATED)
        : impersonated.withGroup(UserInfo.AUTHENTICATED);
    ctx.put(AuthenticationHandler.USER_KEY, impersonated);
    ctx.next();
  }
}
