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

  /** Kubernetes' {@code --authorization-mode} values jk knows. */
  public static final List<String> MODES = List.of("AlwaysAllow", "AlwaysDeny", "Node", "RBAC");
  /** The default {@code --authorization-mode}. */
  public static final List<String> DEFAULT_MODES = List.of("Node", "RBAC");

  /** The problems of an {@code --authorization-mode} list (unknown or repeated modes, none at all). */
  public static List<String> validateModes(List<String> modes) {
    List<String> errors = new java.util.ArrayList<>();
    if (modes == null || modes.isEmpty()) {
      errors.add("--authorization-mode must name at least one mode of " + MODES);
      return errors;
    }
    for (int i = 0; i < modes.size(); i++) {
      String m = modes.get(i);
      if (!MODES.contains(m)) {
        errors.add("--authorization-mode: unknown mode \"" + m + "\" (known: " + String.join(",", MODES) + ")");
      } else if (modes.subList(0, i).contains(m)) {
        errors.add("--authorization-mode: mode \"" + m + "\" given twice");
      }
    }
    return errors;
  }

  /**
   * The chain of {@code modes}, in order, as kube-apiserver builds it: {@code system:masters}
   * first (allowed everything), then each mode; the first decision wins and nothing decided is
   * denied. {@code AlwaysAllow} is jk's pre-RBAC behaviour (every authenticated user may do
   * anything but {@code nodes/proxy}).
   *
   * @param node the Node authorizer (for {@code Node})
   * @param rbac the RBAC authorizer (for {@code RBAC}); may be null when {@code modes} lacks it
   */
  public static Authorizer forModes(List<String> modes, Authorizer node, Authorizer rbac) {
    List<String> errors = validateModes(modes);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    List<Authorizer> chain = new java.util.ArrayList<>();
    chain.add(Authorizers::privileged);
    for (String m : modes) {
      chain.add(switch (m) {
        case "AlwaysAllow" -> Authorizers::preRbac;
        case "AlwaysDeny" -> (u, a) -> Decision.deny("");
        case "Node" -> java.util.Objects.requireNonNull(node, "node authorizer");
        default -> java.util.Objects.requireNonNull(rbac, "rbac authorizer");
      });
    }
    return Authorizer.chain(chain);
  }

  /** Members of {@code system:masters} may do everything (Kubernetes' privileged group). */
  static Decision privileged(UserInfo user, RequestAttributes attributes) {
    return user.inGroup(UserInfo.MASTERS) ? Decision.allow() : Decision.noOpinion();
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
