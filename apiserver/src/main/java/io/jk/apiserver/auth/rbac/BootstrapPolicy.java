package io.jk.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * The ClusterRoles and ClusterRoleBindings every cluster starts with, as Kubernetes' bootstrap
 * policy makes them ({@code plugin/pkg/auth/authorizer/rbac/bootstrappolicy}), for the parts jk
 * serves: {@code cluster-admin} (bound to {@code system:masters}); the user-facing {@code
 * admin}, {@code edit}, {@code view}, aggregated from {@code system:aggregate-to-*} by their
 * labels; discovery, basic-user and public-info for everyone; the scheduler, controller-manager,
 * kube-proxy, node and monitoring roles. Each carries {@code kubernetes.io/bootstrapping:
 * rbac-defaults} and {@code rbac.authorization.kubernetes.io/autoupdate: "true"}.
 */
public final class BootstrapPolicy {

  /** The annotation that lets the API server re-add missing bootstrap permissions at start. */
  public static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
  /** Label prefix of the aggregation of {@code admin}, {@code edit}, {@code view}. */
  public static final String AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-";

  private static final List<String> READ = List.of("get", "list", "watch");
  private static final List<String> WRITE = List.of("create", "delete", "deletecollection", "patch", "update");
  private static final List<String> ALL_WRITE_READ = List.of("create", "delete", "deletecollection", "get", "list",
      "patch", "update", "watch");

  private BootstrapPolicy() {}

  /** The bootstrap ClusterRoles. */
  public static List<ObjectNode> clusterRoles() {
    List<ObjectNode> roles = new ArrayList<>();
    roles.add(role("cluster-admin", List.of(
        PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")),
        PolicyRule.urls(List.of("*"), List.of("*")))));
    roles.add(aggregated("admin", "admin", null));
    roles.add(aggregated("edit", "edit", "admin"));
    roles.add(aggregated("view", "view", "edit"));
    roles.add(labelled(role("system:aggregate-to-admin", List.of(
        PolicyRule.resources(List.of("create"), List.of("authorization.k8s.io"), List.of("localsubjectaccessreviews")),
        PolicyRule.resources(ALL_WRITE_READ, List.of("rbac.authorization.k8s.io"), List.of("rolebindings", "roles")))),
        "admin"));
    roles.add(labelled(role("system:aggregate-to-edit", editRules()), "edit"));
    roles.add(labelled(role("system:aggregate-to-view", viewRules()), "view"));
    roles.add(role("system:discovery", List.of(PolicyRule.urls(List.of("get"), List.of("/api", "/api/*", "/apis",
        "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/")))));
    roles.add(role("system:basic-user", List.of(
        PolicyRule.resources(List.of("create"), List.of("authorization.k8s.io"),
            List.of("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
        PolicyRule.resources(List.of("create"), List.of("authentication.k8s.io"), List.of("selfsubjectreviews")))));
    roles.add(role("system:public-info-viewer", List.of(PolicyRule.urls(List.of("get"),
        List.of("/healthz", "/livez", "/readyz", "/version", "/version/")))));
    roles.add(role("system:monitoring", List.of(PolicyRule.urls(List.of("get"), List.of("/healthz", "/healthz/*",
        "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*")))));
    roles.add(role("system:kube-scheduler", schedulerRules()));
    roles.add(role("system:kube-controller-manager", controllerManagerRules()));
    roles.add(role("system:node-proxier", List.of(
        PolicyRule.resources(List.of("list", "watch"), List.of(""), List.of("endpoints", "services")),
        PolicyRule.resources(List.of("get", "list", "watch"), List.of(""), List.of("nodes")),
        PolicyRule.resources(List.of("create", "patch", "update"), List.of("", "events.k8s.io"), List.of("events")),
        PolicyRule.resources(List.of("list", "watch"), List.of("discovery.k8s.io"), List.of("endpointslices")))));
    roles.add(role("system:node", nodeRules()));
    return roles;
  }

  /** The bootstrap ClusterRoleBindings (each named as its role). */
  public static List<ObjectNode> clusterRoleBindings() {
    return List.of(
        binding("cluster-admin", subject("Group", "system:masters")),
        binding("system:discovery", subject("Group", "system:authenticated")),
        binding("system:basic-user", subject("Group", "system:authenticated")),
        binding("system:public-info-viewer", subject("Group", "system:authenticated"),
            subject("Group", "system:unauthenticated")),
        binding("system:monitoring", subject("Group", "system:monitoring")),
        binding("system:kube-scheduler", subject("User", "system:kube-scheduler")),
        binding("system:kube-controller-manager", subject("User", "system:kube-controller-manager")),
        binding("system:node-proxier", subject("User", "system:kube-proxy")),
        // as Kubernetes: the Node authorizer decides for kubelets, this binding has no subjects
        binding("system:node"));
  }

  private static List<PolicyRule> viewRules() {
    return List.of(
        PolicyRule.resources(READ, List.of(""), List.of("configmaps", "endpoints", "persistentvolumeclaims",
            "persistentvolumeclaims/status", "pods", "replicationcontrollers", "replicationcontrollers/scale",
            "serviceaccounts", "services", "services/status")),
        PolicyRule.resources(READ, List.of(""), List.of("bindings", "events", "limitranges", "namespaces/status",
            "pods/log", "pods/status", "replicationcontrollers/status", "resourcequotas", "resourcequotas/status")),
        PolicyRule.resources(READ, List.of(""), List.of("namespaces")),
        PolicyRule.resources(READ, List.of("discovery.k8s.io"), List.of("endpointslices")),
        PolicyRule.resources(READ, List.of("apps"), List.of("controllerrevisions", "daemonsets", "daemonsets/status",
            "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
            "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status")),
        PolicyRule.resources(READ, List.of("autoscaling"), List.of("horizontalpodautoscalers",
            "horizontalpodautoscalers/status")),
        PolicyRule.resources(READ, List.of("batch"), List.of("cronjobs", "cronjobs/status", "jobs", "jobs/status")),
        PolicyRule.resources(READ, List.of("policy"), List.of("poddisruptionbudgets", "poddisruptionbudgets/status")),
        PolicyRule.resources(READ, List.of("networking.k8s.io"), List.of("ingresses", "ingresses/status",
            "networkpolicies")));
  }

  private static List<PolicyRule> editRules() {
    return List.of(
        PolicyRule.resources(List.of("impersonate"), List.of(""), List.of("serviceaccounts")),
        PolicyRule.resources(WRITE, List.of(""), List.of("pods", "pods/attach", "pods/exec", "pods/portforward",
            "pods/proxy")),
        PolicyRule.resources(List.of("create"), List.of(""), List.of("pods/eviction")),
        PolicyRule.resources(WRITE, List.of(""), List.of("configmaps", "events", "persistentvolumeclaims",
            "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
            "services/proxy")),
        PolicyRule.resources(List.of("create"), List.of(""), List.of("serviceaccounts/token")),
        PolicyRule.resources(WRITE, List.of("apps"), List.of("daemonsets", "deployments", "deployments/rollback",
            "deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale")),
        PolicyRule.resources(WRITE, List.of("autoscaling"), List.of("horizontalpodautoscalers")),
        PolicyRule.resources(WRITE, List.of("batch"), List.of("cronjobs", "jobs")),
        PolicyRule.resources(WRITE, List.of("networking.k8s.io"), List.of("ingresses", "networkpolicies")),
        PolicyRule.resources(WRITE, List.of("policy"), List.of("poddisruptionbudgets")),
        PolicyRule.resources(READ, List.of(""), List.of("pods/attach", "pods/exec", "pods/portforward", "pods/proxy",
            "secrets", "services/proxy")));
  }

  private static List<PolicyRule> schedulerRules() {
    return List.of(
        PolicyRule.resources(List.of("create", "patch", "update"), List.of("", "events.k8s.io"), List.of("events")),
        PolicyRule.resources(List.of("create"), List.of("coordination.k8s.io"), List.of("leases")),
        // jk's leader election may patch its lease, and checks that its namespace exists
        new PolicyRule(List.of("get", "patch", "update"), List.of("coordination.k8s.io"), List.of("leases"),
            List.of("kube-scheduler"), List.of()),
        PolicyRule.resources(List.of("get"), List.of(""), List.of("namespaces")),
        PolicyRule.resources(READ, List.of(""), List.of("nodes")),
        PolicyRule.resources(List.of("delete", "get", "list", "watch"), List.of(""), List.of("pods")),
        PolicyRule.resources(List.of("create"), List.of(""), List.of("bindings", "pods/binding")),
        PolicyRule.resources(List.of("patch", "update"), List.of(""), List.of("pods/status")),
        PolicyRule.resources(List.of("list", "watch"), List.of(""), List.of("replicationcontrollers", "services",
            "namespaces", "persistentvolumeclaims", "persistentvolumes")),
        PolicyRule.resources(List.of("list", "watch"), List.of("apps"), List.of("replicasets", "statefulsets")),
        PolicyRule.resources(List.of("list", "watch"), List.of("policy"), List.of("poddisruptionbudgets")),
        PolicyRule.resources(List.of("list", "watch"), List.of("scheduling.k8s.io"), List.of("priorityclasses")),
        PolicyRule.resources(List.of("create"), List.of("authentication.k8s.io"), List.of("tokenreviews")),
        PolicyRule.resources(List.of("create"), List.of("authorization.k8s.io"), List.of("subjectaccessreviews")),
        PolicyRule.resources(List.of("list", "watch"), List.of("storage.k8s.io"), List.of("csidrivers", "csinodes",
            "csistoragecapacities", "storageclasses")));
  }

  /**
   * jk's controller-manager runs every controller with one identity (Kubernetes' {@code
   * --use-service-account-credentials=false}), so its role is the union of Kubernetes' per-controller
   * roles: the garbage collector's and namespace controller's reads and deletes of everything, plus
   * the writes of the workload, node, endpoint, service account and token controllers.
   */
  private static List<PolicyRule> controllerManagerRules() {
    return List.of(
        PolicyRule.resources(List.of("delete", "deletecollection", "get", "list", "patch", "update", "watch"),
            List.of("*"), List.of("*")),
        PolicyRule.resources(List.of("create"), List.of(""), List.of("pods", "events", "endpoints", "configmaps",
            "serviceaccounts", "serviceaccounts/token", "secrets", "pods/eviction", "pods/binding", "namespaces")),
        PolicyRule.resources(List.of("create"), List.of("events.k8s.io"), List.of("events")),
        PolicyRule.resources(List.of("create"), List.of("apps"), List.of("replicasets", "controllerrevisions",
            "deployments")),
        PolicyRule.resources(List.of("create"), List.of("batch"), List.of("jobs")),
        PolicyRule.resources(List.of("create"), List.of("discovery.k8s.io"), List.of("endpointslices")),
        PolicyRule.resources(List.of("create"), List.of("coordination.k8s.io"), List.of("leases")),
        PolicyRule.resources(List.of("create"), List.of("authentication.k8s.io"), List.of("tokenreviews")),
        PolicyRule.resources(List.of("create"), List.of("authorization.k8s.io"), List.of("subjectaccessreviews")));
  }

  private static List<PolicyRule> nodeRules() {
    return List.of(
        PolicyRule.resources(List.of("create"), List.of("authentication.k8s.io"), List.of("tokenreviews")),
        PolicyRule.resources(List.of("create"), List.of("authorization.k8s.io"),
            List.of("localsubjectaccessreviews", "subjectaccessreviews")),
        PolicyRule.resources(READ, List.of(""), List.of("services", "nodes", "pods", "configmaps", "secrets",
            "persistentvolumeclaims", "persistentvolumes", "endpoints")),
        PolicyRule.resources(List.of("create", "delete", "get", "list", "patch", "update", "watch"), List.of(""),
            List.of("nodes")),
        PolicyRule.resources(List.of("patch", "update"), List.of(""), List.of("nodes/status", "pods/status")),
        PolicyRule.resources(List.of("create", "patch", "update"), List.of("", "events.k8s.io"), List.of("events")),
        PolicyRule.resources(List.of("create", "delete"), List.of(""), List.of("pods")),
        PolicyRule.resources(List.of("create"), List.of(""), List.of("pods/eviction", "serviceaccounts/token")),
        PolicyRule.resources(List.of("create", "delete", "get", "patch", "update"), List.of("coordination.k8s.io"),
            List.of("leases")),
        PolicyRule.resources(READ, List.of("node.k8s.io"), List.of("runtimeclasses")),
        PolicyRule.resources(READ, List.of("discovery.k8s.io"), List.of("endpointslices")),
        PolicyRule.resources(READ, List.of("storage.k8s.io"), List.of("csidrivers", "csinodes", "volumeattachments")));
  }

  private static ObjectNode aggregated(String name, String aggregateFrom, String aggregateTo) {
    ObjectNode o = role(name, List.of());
    if (aggregateTo != null) {
      labelled(o, aggregateTo);
    }
    o.putObject("aggregationRule").putArray("clusterRoleSelectors").addObject().putObject("matchLabels")
        .put(AGGREGATE_TO + aggregateFrom, "true");
    return o;
  }

  private static ObjectNode labelled(ObjectNode role, String aggregateTo) {
    ((ObjectNode) role.path("metadata").path("labels")).put(AGGREGATE_TO + aggregateTo, "true");
    return role;
  }

  private static ObjectNode role(String name, List<PolicyRule> rules) {
    ObjectNode o = header("ClusterRole", name);
    ArrayNode a = o.putArray("rules");
    rules.forEach(r -> a.add(r.toJson()));
    return o;
  }

  private static ObjectNode binding(String name, ObjectNode... subjects) {
    ObjectNode o = header("ClusterRoleBinding", name);
    o.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io").put("kind", "ClusterRole").put("name", name);
    ArrayNode s = o.putArray("subjects");
    for (ObjectNode subject : subjects) {
      s.add(subject);
    }
    return o;
  }

  private static ObjectNode subject(String kind, String name) {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("apiGroup", "rbac.authorization.k8s.io").put("kind", kind).put("name", name);
    return s;
  }

  private static ObjectNode header(String kind, String name) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", kind);
    ObjectNode meta = o.putObject("metadata");
    meta.put("name", name);
    meta.putObject("annotations").put(AUTOUPDATE, "true");
    meta.putObject("labels").put("kubernetes.io/bootstrapping", "rbac-defaults");
    return o;
  }
}
