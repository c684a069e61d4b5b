package io.jk.apiserver.auth;

import java.util.List;

/**
 * Decides whether a user may do what a request asks.
 *
 * <p>Implementations are in-memory and fast: they run on the event loop.
 */
public interface Authorizer {

  /**
   * The decision for {@code user} doing {@code attributes}.
   *
   * @return never null; {@link Decision#noOpinion()} when this authorizer does not decide
   */
  Decision authorize(UserInfo user, RequestAttributes attributes);

  /**
   * The first decision other than "no opinion" among {@code authorizers}, in order; a denial
   * when none decides (default deny), as kube-apiserver's union authorizer.
   */
  static Authorizer chain(List<Authorizer> authorizers) {
    List<Authorizer> all = List.copyOf(authorizers);
    return (user, attributes) -> {
      for (Authorizer authorizer : all) {
        Decision decision = authorizer.authorize(user, attributes);
        if (decision.kind() != Decision.Kind.NO_OPINION) {
          return decision;
        }
      }
      return Decision.deny("");
    };
  }

  /**
   * The message of a 403 for this denial, worded as kube-apiserver's: {@code nodes "n2" is
   * forbidden: User "system:node:n1" cannot patch resource "nodes" in API group "" at the
   * cluster scope: node 'n1' cannot modify node 'n2'}.
   */
  static String forbiddenMessage(UserInfo user, RequestAttributes attributes, String reason) {
    StringBuilder message = new StringBuilder();
    if (!attributes.resourceRequest()) {
      message.append("forbidden: User \"").append(user.name()).append("\" cannot ").append(attributes.verb())
          .append(" path \"").append(attributes.path()).append('"');
    } else {
      String qualified = attributes.apiGroup().isEmpty()
          ? attributes.resource() : attributes.resource() + "." + attributes.apiGroup();
      message.append(qualified);
      if (!attributes.name().isEmpty()) {
        message.append(" \"").append(attributes.name()).append('"');
      }
      String resource = attributes.subresource().isEmpty()
          ? attributes.resource() : attributes.resource() + "/" + attributes.subresource();
      message.append(" is forbidden: User \"").append(user.name()).append("\" cannot ").append(attributes.verb())
          .append(" resource \"").append(resource).append("\" in API group \"").append(attributes.apiGroup())
          .append('"');
      if (attributes.namespace().isEmpty()) {
        message.append(" at the cluster scope");
      } else {
        message.append(" in the namespace \"").append(attributes.namespace()).append('"');
      }
    }
    if (reason != null && !reason.isEmpty()) {
      message.append(": ").append(reason);
    }
    return message.toString();
  }
}
