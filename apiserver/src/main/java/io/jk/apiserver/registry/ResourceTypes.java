package io.jk.apiserver.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The table of every resource type the API server serves (issue 2's set), looked up by
 * group, version and plural name.
 */
public final class ResourceTypes {

  private static final List<String> SUB_VERBS = List.of("get", "patch", "update");

  private final List<ResourceType> all;
  private final Map<String, ResourceType> byPath = new LinkedHashMap<>();

  private ResourceTypes(List<ResourceType> all) {
    this.all = List.copyOf(all);
    for (ResourceType t : all) {
      byPath.put(t.groupVersion() + "/" + t.resource(), t);
    }
  }

  /** The built-in resources of jk. */
  public static ResourceTypes builtIn() {
    List<ResourceType> t = new ArrayList<>();
    // core/v1
    t.add(type("", "namespaces", "Namespace", false, List.of("ns"), List.of(),
        status("", "Namespace"), new ResourceType.Subresource("finalize", "", "v1", "Namespace", List.of("update"))));
    t.add(type("", "pods", "Pod", true, List.of("po"), List.of("all"),
        status("", "Pod"),
        new ResourceType.Subresource("binding", "", "v1", "Binding", List.of("create")),
        new ResourceType.Subresource("eviction", "policy", "v1", "Eviction", List.of("create")),
        new ResourceType.Subresource("log", "", "v1", "Pod", List.of("get")),
        new ResourceType.Subresource("exec", "", "v1", "PodExecOptions", List.of("create", "get")),
        new ResourceType.Subresource("attach", "", "v1", "PodAttachOptions", List.of("create", "get")),
        new ResourceType.Subresource("portforward", "", "v1", "PodPortForwardOptions", List.of("create", "get"))));
    t.add(type("", "nodes", "Node", false, List.of("no"), List.of(), status("", "Node"),
        new ResourceType.Subresource("proxy", "", "v1", "NodeProxyOptions",
            List.of("create", "delete", "get", "patch", "update"))));
    t.add(type("", "services", "Service", true, List.of("svc"), List.of("all"), status("", "Service")));
    t.add(type("", "endpoints", "Endpoints", true, List.of("ep"), List.of()));
    t.add(type("", "configmaps", "ConfigMap", true, List.of("cm"), List.of()));
    t.add(type("", "secrets", "Secret", true, List.of(), List.of()));
    t.add(type("", "events", "Event", true, List.of("ev"), List.of()));
    t.add(type("", "serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of()));
    t.add(type("", "resourcequotas", "ResourceQuota", true, List.of("quota"), List.of(), status("", "ResourceQuota")));
    t.add(type("", "limitranges", "LimitRange", true, List.of("limits"), List.of()));
    // apps/v1
    t.add(type("apps", "deployments", "Deployment", true, List.of("deploy"), List.of("all"),
        status("apps", "Deployment"), scale()));
    t.add(type("apps", "replicasets", "ReplicaSet", true, List.of("rs"), List.of("all"),
        status("apps", "ReplicaSet"), scale()));
    t.add(type("apps", "daemonsets", "DaemonSet", true, List.of("ds"), List.of("all"), status("apps", "DaemonSet")));
    t.add(type("apps", "statefulsets", "StatefulSet", true, List.of("sts"), List.of("all"),
        status("apps", "StatefulSet"), scale()));
    t.add(type("apps", "controllerrevisions", "ControllerRevision", true, List.of(), List.of()));
    // batch/v1
    t.add(type("batch", "jobs", "Job", true, List.of(), List.of("all"), status("batch", "Job")));
    t.add(type("batch", "cronjobs", "CronJob", true, List.of("cj"), List.of("all"), status("batch", "CronJob")));
    // others
    t.add(type("coordination.k8s.io", "leases", "Lease", true, List.of(), List.of()));
    t.add(type("discovery.k8s.io", "endpointslices", "EndpointSlice", true, List.of(), List.of()));
    t.add(type("policy", "poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"), List.of(),
        status("policy", "PodDisruptionBudget")));
    t.add(type("events.k8s.io", "events", "Event", true, List.of("ev"), List.of()));
    t.add(type("scheduling.k8s.io", "priorityclasses", "PriorityClass", false, List.of("pc"), List.of()));
    t.add(type("rbac.authorization.k8s.io", "roles", "Role", true, List.of(), List.of()));
    t.add(type("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true, List.of(), List.of()));
    t.add(type("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false, List.of(), List.of()));
    t.add(type("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false, List.of(), List.of()));
    // autoscaling/v2
    t.add(versioned(type("autoscaling", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"),
        List.of("all"), new ResourceType.Subresource("status", "autoscaling", "v2", "HorizontalPodAutoscaler", SUB_VERBS)),
        "v2", ResourceType.ALL_VERBS));
    // autoscaling/v1 (what kubectl autoscale writes): the same objects, converted (HpaStorage)
    t.add(type("autoscaling", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"),
        List.of("all"), new ResourceType.Subresource("status", "autoscaling", "v1", "HorizontalPodAutoscaler", SUB_VERBS)));
    // metrics.k8s.io/v1beta1: read-only, served by io.jk.apiserver.metrics (never from the store)
    t.add(versioned(type("metrics.k8s.io", "nodes", "NodeMetrics", false, List.of(), List.of()), "v1beta1",
        List.of("get", "list")));
    t.add(versioned(type("metrics.k8s.io", "pods", "PodMetrics", true, List.of(), List.of()), "v1beta1",
        List.of("get", "list")));
    return new ResourceTypes(t);
  }

  private static ResourceType type(String group, String resource, String kind, boolean namespaced,
      List<String> shortNames, List<String> categories, ResourceType.Subresource... subs) {
    Map<String, ResourceType.Subresource> m = new LinkedHashMap<>();
    for (ResourceType.Subresource s : subs) {
      m.put(s.name(), s);
    }
    return new ResourceType(group, "v1", resource, kind.toLowerCase(java.util.Locale.ROOT), kind, namespaced,
        shortNames, categories, ResourceType.ALL_VERBS, Collections.unmodifiableMap(m));
  }

  private static ResourceType versioned(ResourceType t, String version, List<String> verbs) {
    return new ResourceType(t.group(), version, t.resource(), t.singular(), t.kind(), t.namespaced(), t.shortNames(),
        t.categories(), verbs, t.subresources());
  }

  private static ResourceType.Subresource status(String group, String kind) {
    return new ResourceType.Subresource("status", group, "v1", kind, SUB_VERBS);
  }

  private static ResourceType.Subresource scale() {
    return new ResourceType.Subresource("scale", "autoscaling", "v1", "Scale", SUB_VERBS);
  }

  /** Every resource type, in a stable order. */
  public List<ResourceType> all() {
    return all;
  }

  /** The type served at {@code /apis/<group>/<version>/<resource>} ({@code group} empty for core). */
  public Optional<ResourceType> find(String group, String version, String resource) {
    String gv = group.isEmpty() ? version : group + "/" + version;
    return Optional.ofNullable(byPath.get(gv + "/" + resource));
  }

  /** The type of objects of {@code kind} in {@code group}. */
  public Optional<ResourceType> byKind(String group, String kind) {
    return all.stream().filter(t -> t.group().equals(group) && t.kind().equals(kind)).findFirst();
  }

  /** The group names other than core, in the order first seen. */
  public List<String> groups() {
    List<String> g = new ArrayList<>();
    for (ResourceType t : all) {
      if (!t.group().isEmpty() && !g.contains(t.group())) {
        g.add(t.group());
      }
    }
    return g;
  }

  /** The versions served of {@code group}, the preferred one first (in the order first seen). */
  public List<String> versions(String group) {
    List<String> v = new ArrayList<>();
    for (ResourceType t : all) {
      if (t.group().equals(group) && !v.contains(t.version())) {
        v.add(t.version());
      }
    }
    return v;
  }

  /** The types of one group/version. */
  public List<ResourceType> ofGroupVersion(String group, String version) {
    return all.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
  }
}
