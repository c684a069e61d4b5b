package io.jk.apiserver.auth.rbac;

import io.jk.apiserver.auth.Authorizer;
import io.jk.apiserver.auth.Decision;
import io.jk.apiserver.auth.RequestAttributes;
import io.jk.apiserver.auth.UserInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Kubernetes' RBAC authorizer over an {@link RbacIndex}: a request is allowed when a rule of a
 * role bound to the user allows it. ClusterRoleBindings apply everywhere; RoleBindings (to a Role
 * of their namespace or to a ClusterRole) only to requests in their namespace. Anything not
 * allowed gets no opinion, so that the chain's default denial answers.
 *
 * <p>A subject matches a user by name ({@code User}), by group ({@code Group}), or as {@code
 * system:serviceaccount:<namespace>:<name>} ({@code ServiceAccount}; the binding's namespace when
 * the subject names none).
 */
public final class RbacAuthorizer implements Authorizer {

  /** Prefix of a service account's user name. */
  public static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

  private final RbacIndex index;

  /** An authorizer reading {@code index} (which must be started). */
  public RbacAuthorizer(RbacIndex index) {
    this.index = Objects.requireNonNull(index, "index");
  }

  @Override
  public Decision authorize(UserInfo user, RequestAttributes attributes) {
    for (RbacIndex.Binding b : index.clusterRoleBindings()) {
      if (appliesTo(b, user) && anyAllows(index.rulesOf(b), attributes)) {
        return Decision.allow();
      }
    }
    if (!attributes.namespace().isEmpty()) {
      for (RbacIndex.Binding b : index.roleBindings(attributes.namespace())) {
        if (appliesTo(b, user) && anyAllows(index.rulesOf(b), attributes)) {
          return Decision.allow();
        }
      }
    }
    return Decision.noOpinion();
  }

  /**
   * Every rule granted to {@code user} in {@code namespace}: those of its ClusterRoleBindings and,
   * when {@code namespace} is not empty, of the namespace's RoleBindings.
   */
  public List<PolicyRule> rulesFor(UserInfo user, String namespace) {
    List<PolicyRule> rules = new ArrayList<>();
    for (RbacIndex.Binding b : index.clusterRoleBindings()) {
      if (appliesTo(b, user)) {
        rules.addAll(index.rulesOf(b));
      }
    }
    if (namespace != null && !namespace.isEmpty()) {
      for (RbacIndex.Binding b : index.roleBindings(namespace)) {
        if (appliesTo(b, user)) {
          rules.addAll(index.rulesOf(b));
        }
      }
    }
    return rules;
  }

  /** The index this authorizer reads. */
  public RbacIndex index() {
    return index;
  }

  /** Whether one of the binding's subjects is {@code user}. */
  static boolean appliesTo(RbacIndex.Binding binding, UserInfo user) {
    for (RbacIndex.Subject s : binding.subjects()) {
      switch (s.kind()) {
        case "User" -> {
          if (s.name().equals(user.name())) {
            return true;
          }
        }
        case "Group" -> {
          if (user.inGroup(s.name())) {
            return true;
          }
        }
        case "ServiceAccount" -> {
          String ns = s.namespace().isEmpty() ? binding.namespace() : s.namespace();
          if (!ns.isEmpty() && user.name().equals(SERVICE_ACCOUNT_PREFIX + ns + ":" + s.name())) {
            return true;
          }
        }
        default -> { }
      }
    }
    return false;
  }

  private static boolean anyAllows(List<PolicyRule> rules, RequestAttributes attributes) {
    for (PolicyRule r : rules) {
      if (r.allows(attributes)) {
        return true;
      }
    }
    return false;
  }
}
