package io.jk.apiserver.resources;

import io.jk.apiserver.registry.ResourceStrategy;
import io.jk.apiserver.resources.support.Names;
import java.util.Map;

/**
 * The strategy of every kind jk serves, by API group and kind; a generic default for others.
 * Strategies are stateless and shared.
 */
public final class Strategies {

  private static final ResourceStrategy DEFAULT = new BaseStrategy();

  private static final Map<String, ResourceStrategy> BY_KIND = Map.ofEntries(
      Map.entry(key("", "Namespace"), new NamespaceStrategy()),
      Map.entry(key("", "Pod"), new PodStrategy()),
      Map.entry(key("", "Node"), new NodeStrategy()),
      Map.entry(key("", "Service"), new ServiceStrategy()),
      Map.entry(key("", "ConfigMap"), new ConfigMapStrategy()),
      Map.entry(key("", "Secret"), new SecretStrategy()),
      Map.entry(key("apps", "Deployment"), new DeploymentStrategy()),
      Map.entry(key("apps", "ReplicaSet"), new ReplicaSetStrategy()),
      Map.entry(key("apps", "DaemonSet"), new DaemonSetStrategy()),
      Map.entry(key("apps", "StatefulSet"), new StatefulSetStrategy()),
      Map.entry(key("apps", "ControllerRevision"), new ControllerRevisionStrategy()),
      Map.entry(key("", "Endpoints"), new EndpointsStrategy()),
      Map.entry(key("", "Event"), new EventStrategy(false)),
      Map.entry(key("", "ServiceAccount"), new ServiceAccountStrategy()),
      Map.entry(key("batch", "Job"), new JobStrategy()),
      Map.entry(key("batch", "CronJob"), new CronJobStrategy()),
      Map.entry(key("coordination.k8s.io", "Lease"), new LeaseStrategy()),
      Map.entry(key("discovery.k8s.io", "EndpointSlice"), new EndpointSliceStrategy()),
      Map.entry(key("policy", "PodDisruptionBudget"), new PodDisruptionBudgetStrategy()),
      Map.entry(key("autoscaling", "HorizontalPodAutoscaler"), new HorizontalPodAutoscalerStrategy()),
      Map.entry(key("events.k8s.io", "Event"), new EventStrategy(true)),
      Map.entry(key("scheduling.k8s.io", "PriorityClass"), new PriorityClassStrategy()),
      // RBAC names are path segments: "system:node", "system:controller:job-controller".
      Map.entry(key("rbac.authorization.k8s.io", "Role"), new RoleStrategy(false)),
      Map.entry(key("rbac.authorization.k8s.io", "ClusterRole"), new RoleStrategy(true)),
      Map.entry(key("", "ResourceQuota"), new ResourceQuotaStrategy()),
      Map.entry(key("", "LimitRange"), new LimitRangeStrategy()),
      Map.entry(key("rbac.authorization.k8s.io", "RoleBinding"), new RoleBindingStrategy(false)),
      Map.entry(key("rbac.authorization.k8s.io", "ClusterRoleBinding"), new RoleBindingStrategy(true)));

  private Strategies() {}

  private static String key(String group, String kind) {
    return group + "/" + kind;
  }

  /**
   * The strategy for {@code kind} in API {@code group} ({@code ""} or {@code "core"} for the core
   * group); the generic default (metadata rules, Name/Created At Table) for kinds without one.
   */
  public static ResourceStrategy forKind(String group, String kind) {
    String g = group == null || group.equals("core") ? "" : group;
    return BY_KIND.getOrDefault(key(g, kind), DEFAULT);
  }

  /** Whether {@code kind} has a strategy of its own (not the generic default). */
  public static boolean isKnown(String group, String kind) {
    return forKind(group, kind) != DEFAULT;
  }
}
