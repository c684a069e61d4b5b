package io.jk.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.AuthenticationHandler;
import io.jk.apiserver.auth.AuthorizationHandler;
import io.jk.apiserver.auth.Authorizer;
import io.jk.apiserver.auth.RequestAttributes;
import io.jk.apiserver.auth.RequestObjects;
import io.jk.apiserver.auth.UserInfo;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.http.HttpReplies;
import io.jk.apiserver.patch.PatchSchema;
import io.jk.apiserver.patch.PatchType;
import io.jk.common.json.Json;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * RBAC's privilege escalation prevention, as Kubernetes' Role, ClusterRole and binding storage
 * enforce it; a Vert.x handler mounted after authorization, before the REST handler, on the RBAC
 * group's paths.
 * <ul>
 *   <li>Creating or updating (including patching) a Role or ClusterRole: allowed when the
 *       requester may {@code escalate} it, or already holds every permission it grants (in the
 *       role's namespace for a Role); an {@code aggregationRule} needs the permissions of {@code
 *       cluster-admin}.
 *   <li>Creating or updating a RoleBinding or ClusterRoleBinding: allowed when the requester may
 *       {@code bind} the referenced role, or holds every permission of that role (in the binding's
 *       namespace for a RoleBinding).
 * </ul>
 * Members of {@code system:masters} are never checked. Anything else gets 403 with Kubernetes'
 * message ({@code user "bob" (groups=[...]) is attempting to grant RBAC permissions not currently
 * held: ...}).
 */
public final class EscalationCheck implements Handler<RoutingContext> {

  private static final String GROUP = "rbac.authorization.k8s.io";
  private static final Set<String> WRITES = Set.of("create", "update", "patch");
  private static final List<PolicyRule> EVERYTHING = List.of(
      PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")), PolicyRule.urls(List.of("*"), List.of("*")));

  private final Authorizer authorizer;
  private final RbacAuthorizer rbac;
  private final BiFunction<String, String, ObjectNode> current;

  /**
   * A check deciding {@code escalate} and {@code bind} with {@code authorizer} (the server's
   * chain) and held permissions with {@code rbac}.
   *
   * @param current the stored object for a PATCH, by (resource, {@code namespace/name} or name);
   *     null when absent; must not block
   */
  public EscalationCheck(Authorizer authorizer, RbacAuthorizer rbac, BiFunction<String, String, ObjectNode> current) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    this.rbac = Objects.requireNonNull(rbac, "rbac");
    this.current = Objects.requireNonNull(current, "current");
  }

  @Override
  public void handle(RoutingContext ctx) {
    RequestAttributes a = AuthorizationHandler.attributes(ctx).orElse(null);
    UserInfo user = AuthenticationHandler.user(ctx).orElse(null);
    if (a == null || user == null || !a.resourceRequest() || !a.apiGroup().equals(GROUP)
        || !WRITES.contains(a.verb()) || !a.subresource().isEmpty() || user.inGroup(UserInfo.MASTERS)) {
      ctx.next();
      return;
    }
    ObjectNode object = resulting(ctx, a);
    if (object == null) {
      ctx.next(); // unreadable body or missing object: the REST handler answers
      return;
    }
    String name = a.name().isEmpty() ? object.path("metadata").path("name").asText("") : a.name();
    String problem = switch (a.resource()) {
      case "roles", "clusterroles" -> checkRole(user, a, name, object);
      case "rolebindings", "clusterrolebindings" -> checkBinding(user, a, object);
      default -> null;
    };
    if (problem == null) {
      ctx.next();
    } else if (problem.startsWith("404:")) {
      HttpReplies.fail(ctx, new ApiException(404, "NotFound", problem.substring(4), null));
    } else {
      HttpReplies.fail(ctx, ApiException.forbidden(a.resource() + "." + GROUP + " \"" + name + "\" is forbidden: "
          + problem));
    }
  }

  /** Null when allowed, else why not. */
  private String checkRole(UserInfo user, RequestAttributes a, String name, ObjectNode role) {
    if (authorizer.authorize(user, RequestAttributes.resource("escalate", GROUP, a.resource(), "", a.namespace(),
        name)).allowed()) {
      return null;
    }
    List<PolicyRule> held = rbac.rulesFor(user, a.namespace());
    if (a.resource().equals("clusterroles") && role.path("aggregationRule").isObject()
        && !RuleCoverage.uncovered(held, EVERYTHING).isEmpty()) {
      return "must have cluster-admin privileges to use the aggregationRule";
    }
    return notHeld(user, held, PolicyRule.listOf(role.get("rules")));
  }

  private String checkBinding(UserInfo user, RequestAttributes a, ObjectNode binding) {
    JsonNode ref = binding.path("roleRef");
    String kind = ref.path("kind").asText("");
    String roleName = ref.path("name").asText("");
    boolean clusterRole = kind.equals("ClusterRole");
    if (!clusterRole && !kind.equals("Role")) {
      return null; // validation rejects it
    }
    String roleResource = clusterRole ? "clusterroles" : "roles";
    if (authorizer.authorize(user, RequestAttributes.resource("bind", GROUP, roleResource, "", a.namespace(),
        roleName)).allowed()) {
      return null;
    }
    RbacIndex.Role role = clusterRole ? rbac.index().clusterRole(roleName) : rbac.index().role(a.namespace(), roleName);
    if (role == null) {
      return "404:" + roleResource + "." + GROUP + " \"" + roleName + "\" not found";
    }
    return notHeld(user, rbac.rulesFor(user, a.namespace()), role.rules());
  }

  private static String notHeld(UserInfo user, List<PolicyRule> held, List<PolicyRule> wanted) {
    List<PolicyRule> missing = RuleCoverage.uncovered(held, wanted);
    if (missing.isEmpty()) {
      return null;
    }
    String groups = user.groups().stream().map(g -> "\"" + g + "\"").collect(Collectors.joining(" ", "[", "]"));
    return "user \"" + user.name() + "\" (groups=" + groups + ") is attempting to grant RBAC permissions not "
        + "currently held:\n" + missing.stream().map(PolicyRule::describe).collect(Collectors.joining("\n"));
  }

  /** The object the write would store, or null when it cannot be worked out here. */
  private ObjectNode resulting(RoutingContext ctx, RequestAttributes a) {
    JsonNode body;
    try {
      body = RequestObjects.read(ctx);
      if (body == null) {
        return null;
      }
      PatchType patchType = a.verb().equals("patch")
          ? PatchType.fromContentType(ctx.request().getHeader("Content-Type")) : null;
      if (!a.verb().equals("patch")) {
        return body instanceof ObjectNode o ? o : null;
      }
      ObjectNode stored = current.apply(a.resource(), a.namespacedName());
      if (patchType == null) {
        return null;
      }
      if (patchType == PatchType.APPLY) {
        ObjectNode merged = stored == null ? Json.mapper().createObjectNode() : stored.deepCopy();
        if (body instanceof ObjectNode applied) {
          for (String field : List.of("rules", "aggregationRule", "roleRef", "subjects")) {
            if (applied.has(field)) {
              merged.set(field, applied.get(field));
            }
          }
        }
        return merged;
      }
      if (stored == null) {
        return null;
      }
      JsonNode patched = patchType.apply(stored.deepCopy(), body, PatchSchema.EMPTY);
      return patched instanceof ObjectNode o ? o : null;
    } catch (Exception e) {
      if (!a.verb().equals("patch")) {
        return null; // the REST handler reports bad bodies
      }
      // a patch this check cannot evaluate is judged as granting everything (fail closed)
      ObjectNode unknown = Json.mapper().createObjectNode();
      EVERYTHING.forEach(r -> unknown.withArray("rules").add(r.toJson()));
      ObjectNode stored = current.apply(a.resource(), a.namespacedName());
      unknown.set("roleRef", stored == null ? Json.mapper().createObjectNode().put("kind", "ClusterRole")
          .put("name", "cluster-admin") : stored.get("roleRef"));
      return unknown;
    }
  }
}
