package io.jk.scheduler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.NamespaceLabels;
import io.jk.scheduler.framework.Plugin;
import io.jk.scheduler.plugins.defaultbinder.DefaultBinder;
import io.jk.scheduler.plugins.interpodaffinity.InterPodAffinity;
import io.jk.scheduler.plugins.nodeaffinity.NodeAffinity;
import io.jk.scheduler.plugins.nodename.NodeName;
import io.jk.scheduler.plugins.nodeports.NodePorts;
import io.jk.scheduler.plugins.noderesources.BalancedAllocation;
import io.jk.scheduler.plugins.noderesources.NodeResourcesFit;
import io.jk.scheduler.plugins.nodeunschedulable.NodeUnschedulable;
import io.jk.scheduler.plugins.podtopologyspread.PodTopologySpread;
import io.jk.scheduler.plugins.tainttoleration.TaintToleration;
import java.util.ArrayList;
import java.util.List;

/** Builds the framework of the default profile from a {@link SchedulerConfig}. */
public final class Plugins {
  private Plugins() {}

  /** The enabled plugins in their run order; {@code client} null leaves out the binder. */
  public static List<Plugin> enabled(SchedulerConfig config, KubernetesClient client) {
    return enabled(config, client, NamespaceLabels.NONE);
  }

  /**
   * The enabled plugins in their run order, reading namespace labels from {@code namespaces};
   * {@code client} null leaves out the binder.
   */
  public static List<Plugin> enabled(SchedulerConfig config, KubernetesClient client,
      NamespaceLabels namespaces) {
    List<Plugin> all = new ArrayList<>(List.of(new NodeName(), new NodeUnschedulable(),
        new TaintToleration(), new NodeAffinity(), new NodePorts(),
        new NodeResourcesFit(config.scoringStrategy()), new PodTopologySpread(),
        new InterPodAffinity(namespaces), new BalancedAllocation()));
    if (client != null) {
      all.add(new DefaultBinder(client));
    }
    all.removeIf(p -> config.disabledPlugins().contains(p.name()));
    return all;
  }

  /** A framework with the enabled plugins and the configured weights. */
  public static Framework framework(SchedulerConfig config, KubernetesClient client) {
    return framework(config, client, NamespaceLabels.NONE);
  }

  /** A framework with the enabled plugins, the configured weights and namespace labels. */
  public static Framework framework(SchedulerConfig config, KubernetesClient client,
      NamespaceLabels namespaces) {
    return new Framework(enabled(config, client, namespaces), config.weights(),
        config.percentageOfNodesToScore());
  }
}
