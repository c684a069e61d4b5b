package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What a kubelet ({@code system:node:<name>} in {@code system:nodes}) may do: Kubernetes'
 * Node authorizer and NodeRestriction admission plugin in one, simplified.
 *
 * <p>Allowed:
 * <ul>
 *   <li>reading (get, list, watch) what a kubelet reads: pods, nodes, services, endpoints,
 *       endpointslices, namespaces, leases, runtime classes, CSI objects, persistent volumes;
 *   <li>secrets, configmaps and persistent volume claims: when the authorizer knows the pods
 *       bound to each node ({@code podsOnNode}), only get, or list/watch of one name (a
 *       {@code metadata.name} field selector), of those the node's pods use (see {@link
 *       PodReferences}), as Kubernetes; without it, every read is allowed;
 *   <li>its own Node: create (the body's name must be its own), update, patch, delete, and its
 *       status;
 *   <li>its own Lease in {@code kube-node-lease}: create, get, update, patch, delete;
 *   <li>pods bound to it (by the pod lookup): update or patch of {@code status}, delete; creating
 *       a (mirror) pod whose body names it in {@code spec.nodeName};
 *   <li>creating, updating and patching events;
 *   <li>creating tokens of service accounts ({@code serviceaccounts/token}): with {@code
 *       podsOnNode}, only of accounts a pod on the node runs as; the TokenRequest handler then
 *       requires the token to be bound to such a pod (Kubernetes' NodeRestriction);
 *   <li>creating SelfSubjectReviews (who am I);
 *   <li>discovery and health paths ({@code /api}, {@code /apis}, {@code /version}, ...).
 * </ul>
 * Everything else is denied with a reason such as {@code node 'n1' cannot modify node 'n2'}.
 * Users outside {@code system:nodes} get no opinion.
 */
public final class NodeAuthorizer implements Authorizer {

  /** Namespace of node heartbeat leases. */
  public static final String NODE_LEASE_NAMESPACE = "kube-node-lease";

  private static final Set<String> READABLE_CORE = Set.of("pods", "nodes", "services", "endpoints",
      "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes", "namespaces");
  /** Core resources a node may read only when one of its pods uses them (with podsOnNode). */
  private static final Set<String> POD_SCOPED = Set.of("secrets", "configmaps", "persistentvolumeclaims");
  private static final Set<String> READABLE_GROUPED = Set.of("discovery.k8s.io/endpointslices",
      "coordination.k8s.io/leases", "node.k8s.io/runtimeclasses", "storage.k8s.io/csidrivers",
      "storage.k8s.io/csinodes", "storage.k8s.io/volumeattachments", "storage.k8s.io/storageclasses");
  private static final Set<String> PUBLIC_PATH_PREFIXES = Set.of("/api", "/apis", "/version", "/healthz",
      "/livez", "/readyz", "/openapi");

  private final Function<String, Optional<String>> podNodeLookup;
  private final Function<String, ? extends Collection<JsonNode>> podsOnNode;

  /**
   * A node authorizer that lets nodes read every secret, configmap and claim.
   *
   * @param podNodeLookup {@code "namespace/name"} of a pod to the node it is bound to (empty when
   *     the pod does not exist or is unbound); must not block (read a cache)
   */
  public NodeAuthorizer(Function<String, Optional<String>> podNodeLookup) {
    this.podNodeLookup = Objects.requireNonNull(podNodeLookup, "podNodeLookup");
    this.podsOnNode = null;
  }

  /**
   * A node authorizer that lets nodes read only the secrets, configmaps and claims their pods use.
   *
   * @param podNodeLookup as in {@link #NodeAuthorizer(Function)}
   * @param podsOnNode a node name to the pods (JSON) bound to it; must not block (read a cache)
   */
  public NodeAuthorizer(Function<String, Optional<String>> podNodeLookup,
      Function<String, ? extends Collection<JsonNode>> podsOnNode) {
    this.podNodeLookup = Objects.requireNonNull(podNodeLookup, "podNodeLookup");
    this.podsOnNode = Objects.requireNonNull(podsOnNode, "podsOnNode");
  }

  /** The node name of a kubelet user, or empty when {@code user} is not one. */
  public static Optional<String> nodeName(UserInfo user) {
    if (!user.inGroup(UserInfo.NODES) || !user.name().startsWith(UserInfo.NODE_USER_PREFIX)) {
      return Optional.empty();
    }
    return Optional.of(user.name().substring(UserInfo.NODE_USER_PREFIX.length()));
  }

  @Override
  public Decision authorize(UserInfo user, RequestAttributes a) {
    if (!user.inGroup(UserInfo.NODES)) {
      return Decision.noOpinion();
    }
    Optional<String> maybeNode = nodeName(user);
    if (maybeNode.isEmpty() || maybeNode.get().isEmpty()) {
      return Decision.deny("unknown node for user \"" + user.name() + "\"");
    }
    String node = maybeNode.get();
    if (!a.resourceRequest()) {
      return a.verb().equals("get") && isPublicPath(a.path())
          ? Decision.allow() : Decision.deny("node '" + node + "' cannot " + a.verb() + " path " + a.path());
    }
    boolean readableStatus = a.subresource().isEmpty() || a.subresource().equals("status");
    if (a.readOnly() && readableStatus && isReadable(a.apiGroup(), a.resource())) {
      if (podsOnNode != null && a.apiGroup().isEmpty() && POD_SCOPED.contains(a.resource())) {
        return authorizePodScopedRead(node, a);
      }
      return Decision.allow();
    }
    String group = a.apiGroup();
    String resource = a.resource();
    if (group.isEmpty() && resource.equals("nodes")) {
      return authorizeNode(node, a);
    }
    if (group.equals("coordination.k8s.io") && resource.equals("leases")) {
      return authorizeLease(node, a);
    }
    if (group.isEmpty() && resource.equals("pods")) {
      return authorizePod(node, a);
    }
    if (group.isEmpty() && resource.equals("serviceaccounts") && a.subresource().equals("token")
        && a.verb().equals("create")) {
      return authorizeToken(node, a);
    }
    if (group.equals("authentication.k8s.io") && resource.equals("selfsubjectreviews") && a.verb().equals("create")) {
      return Decision.allow();
    }
    if ((group.isEmpty() || group.equals("events.k8s.io")) && resource.equals("events")
        && Set.of("create", "update", "patch").contains(a.verb())) {
      return Decision.allow();
    }
    return Decision.deny("node '" + node + "' cannot " + a.verb() + " " + describe(a));
  }

  private Decision authorizeNode(String node, RequestAttributes a) {
    if (!a.subresource().isEmpty() && !a.subresource().equals("status")) {
      return Decision.deny("node '" + node + "' cannot " + a.verb() + " nodes/" + a.subresource());
    }
    if (a.verb().equals("create")) {
      String target = a.objectName().isEmpty() ? a.name() : a.objectName();
      if (target.isEmpty()) {
        return Decision.deny("node '" + node + "' cannot create a node without a name in the request");
      }
      return target.equals(node) ? Decision.allow()
          : Decision.deny("node '" + node + "' cannot create node '" + target + "'");
    }
    if (Set.of("update", "patch", "delete").contains(a.verb())) {
      return a.name().equals(node) ? Decision.allow()
          : Decision.deny("node '" + node + "' cannot modify node '" + a.name() + "'");
    }
    return Decision.deny("node '" + node + "' cannot " + a.verb() + " nodes");
  }

  private Decision authorizeLease(String node, RequestAttributes a) {
    String target = a.verb().equals("create") && !a.objectName().isEmpty() ? a.objectName() : a.name();
    boolean own = a.namespace().equals(NODE_LEASE_NAMESPACE) && target.equals(node);
    if (own && Set.of("create", "get", "update", "patch", "delete").contains(a.verb())
        && a.subresource().isEmpty()) {
      return Decision.allow();
    }
    return Decision.deny("node '" + node + "' cannot modify lease '" + a.namespace() + "/" + target
        + "'; it may only modify lease '" + NODE_LEASE_NAMESPACE + "/" + node + "'");
  }

  private Decision authorizePod(String node, RequestAttributes a) {
    String verb = a.verb();
    String sub = a.subresource();
    if (verb.equals("create") && sub.isEmpty()) {
      return a.objectNodeName().equals(node) ? Decision.allow()
          : Decision.deny("node '" + node + "' can only create pods with spec.nodeName set to itself");
    }
    boolean statusWrite = sub.equals("status") && (verb.equals("update") || verb.equals("patch"));
    boolean delete = sub.isEmpty() && verb.equals("delete");
    if (!statusWrite && !delete) {
      return Decision.deny("node '" + node + "' cannot " + verb + " " + describe(a));
    }
    Optional<String> boundTo = podNodeLookup.apply(a.namespace() + "/" + a.name());
    if (boundTo.isEmpty()) {
      return Decision.deny("node '" + node + "' cannot modify pod '" + a.namespacedName()
          + "': no relationship found between node '" + node + "' and this pod");
    }
    if (!boundTo.get().equals(node)) {
      return Decision.deny("node '" + node + "' cannot modify pod '" + a.namespacedName()
          + "' bound to node '" + boundTo.get() + "'");
    }
    return Decision.allow();
  }

  private Decision authorizeToken(String node, RequestAttributes a) {
    if (podsOnNode == null) {
      return Decision.allow();
    }
    for (JsonNode pod : podsOnNode.apply(node)) {
      String account = pod.path("spec").path("serviceAccountName").asText("");
      if (a.namespace().equals(pod.path("metadata").path("namespace").asText(""))
          && (account.isEmpty() ? "default" : account).equals(a.name())) {
        return Decision.allow();
      }
    }
    return Decision.deny("no relationship found between node '" + node + "' and this object");
  }

  private Decision authorizePodScopedRead(String node, RequestAttributes a) {
    if (a.name().isEmpty() || a.namespace().isEmpty()) {
      return Decision.deny("node '" + node + "' may only read " + a.resource() + " by name, not "
          + a.verb() + " all of them");
    }
    PodReferences.Ref wanted = new PodReferences.Ref(a.resource(), a.name());
    for (JsonNode pod : podsOnNode.apply(node)) {
      if (a.namespace().equals(pod.path("metadata").path("namespace").asText(""))
          && PodReferences.of(pod).contains(wanted)) {
        return Decision.allow();
      }
    }
    return Decision.deny("no relationship found between node '" + node + "' and this object");
  }

  private static boolean isReadable(String group, String resource) {
    return group.isEmpty() ? READABLE_CORE.contains(resource) : READABLE_GROUPED.contains(group + "/" + resource);
  }

  private static boolean isPublicPath(String path) {
    for (String prefix : PUBLIC_PATH_PREFIXES) {
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(RequestAttributes a) {
    String resource = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
    return a.apiGroup().isEmpty() ? resource : resource + "." + a.apiGroup();
  }
}
