package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The API server's authorizer chains. */
public final class Authorizers {

  private Authorizers() {}

  /**
   * jk's authorization until RBAC exists: kubelets through the {@link NodeAuthorizer}; {@code
   * system:masters} and every other authenticated user allowed everything; the anonymous user
   * only {@code get} of the public paths ({@code /healthz}, {@code /livez}, {@code /readyz},
   * {@code /version}).
   *
   * @param podNodeLookup {@code "namespace/name"} of a pod to its node (non-blocking)
   */
  public static Authorizer standard(Function<String, Optional<String>> podNodeLookup) {
    return Authorizer.chain(List.of(new NodeAuthorizer(podNodeLookup), Authorizers::preRbac));
  }

  /**
   * As {@link #standard(Function)}, with kubelets limited to the secrets, configmaps and claims
   * of their own pods.
   *
   * @param podsOnNode a node name to the pods (JSON) bound to it (non-blocking)
   */
  public static Authorizer standard(Function<String, Optional<String>> podNodeLookup,
      Function<String, ? extends Collection<JsonNode>> podsOnNode) {
    return Authorizer.chain(List.of(new NodeAuthorizer(podNodeLookup, podsOnNode), Authorizers::preRbac));
  }

  /**
   * Allows masters and ordinary authenticated users ({@code nodes/proxy}: masters only); public
   * paths only for anonymous users.
   */
  static Decision preRbac(UserInfo user, RequestAttributes attributes) {
    if (user.inGroup(UserInfo.MASTERS)) {
      return Decision.allow();
    }
    if (attributes.resourceRequest() && attributes.apiGroup().isEmpty() && attributes.resource().equals("nodes")
        && attributes.subresource().equals("proxy")) {
      // kubelet-level access to every node: only administrators, as RBAC grants it in Kubernetes
      return Decision.deny("nodes/proxy is allowed only to cluster administrators (system:masters)");
    }
    if (user.inGroup(UserInfo.AUTHENTICATED) && !user.name().equals(UserInfo.ANONYMOUS)) {
      return Decision.allow();
    }
    if (!attributes.resourceRequest() && (attributes.verb().equals("get") || attributes.verb().equals("head"))
        && AuthenticationHandler.isPublicPath(attributes.path())) {
      return Decision.allow();
    }
    return Decision.noOpinion();
  }
}
