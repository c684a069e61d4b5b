package io.jk.scheduler.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.PreFilterPlugin;
import io.jk.scheduler.framework.ScorePlugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.Selectors;
import io.jk.scheduler.plugins.nodeaffinity.NodeAffinity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads pods across topology domains: {@code DoNotSchedule} constraints filter nodes where
 * the pod would push a domain more than {@code maxSkew} above the emptiest one;
 * {@code ScheduleAnyway} constraints score emptier domains higher.
 */
public final class PodTopologySpread implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  /** The reason users see for a skew violation. */
  public static final String REASON = "node(s) didn't match pod topology spread constraints";
  /** The reason users see for a node without the topology key. */
  public static final String MISSING_LABEL =
      "node(s) didn't match pod topology spread constraints (missing required label)";

  /** Matching pod counts per domain value, for one constraint. */
  record Counts(TopologySpreadConstraint constraint, Map<String, Integer> byDomain,
      int min, boolean selfMatch) {}

  @Override
  public String name() {
    return "PodTopologySpread";
  }

  @Override
  public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
    List<Counts> hard = new ArrayList<>();
    List<Counts> soft = new ArrayList<>();
    List<TopologySpreadConstraint> cs = pod.pod().getSpec().getTopologySpreadConstraints();
    if (cs != null) {
      for (TopologySpreadConstraint c : cs) {
        Counts counts = count(c, pod, snapshot.nodes());
        ("ScheduleAnyway".equals(c.getWhenUnsatisfiable()) ? soft : hard).add(counts);
      }
    }
    state.write(name(), hard);
    state.write(name() + "/soft", soft);
    return Status.SUCCESS;
  }

  /** Counts pods matching the constraint's selector in the pod's namespace, per domain. */
  static Counts count(TopologySpreadConstraint c, PodInfo pod, List<NodeInfo> nodes) {
    Map<String, Integer> byDomain = new HashMap<>();
    String key = c.getTopologyKey();
    for (NodeInfo n : nodes) {
      String domain = n.labels().get(key);
      if (domain == null
          || !NodeAffinity.requiredMatches(pod.pod(), n.name(), n.labels())) {
        continue;
      }
      int matching = 0;
      for (PodInfo p : n.pods()) {
        if (p.namespace().equals(pod.namespace()) && p.pod().getMetadata().getDeletionTimestamp() == null
            && Selectors.matches(c.getLabelSelector(), p.pod().getMetadata().getLabels())) {
          matching++;
        }
      }
      byDomain.merge(domain, matching, Integer::sum);
    }
    int min = byDomain.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    if (c.getMinDomains() != null && byDomain.size() < c.getMinDomains()) {
      min = 0;
    }
    boolean self = Selectors.matches(c.getLabelSelector(), pod.pod().getMetadata().getLabels());
    return new Counts(c, byDomain, min, self);
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    List<Counts> hard = state.read(name());
    if (hard == null) {
      return Status.SUCCESS;
    }
    for (Counts c : hard) {
      String domain = node.labels().get(c.constraint().getTopologyKey());
      if (domain == null) {
        return Status.unresolvable(MISSING_LABEL);
      }
      int skew = c.byDomain().getOrDefault(domain, 0) + (c.selfMatch() ? 1 : 0) - c.min();
      int maxSkew = c.constraint().getMaxSkew() == null ? 1 : c.constraint().getMaxSkew();
      if (skew > maxSkew) {
        return Status.unschedulable(REASON);
      }
    }
    return Status.SUCCESS;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    List<Counts> soft = state.read(name() + "/soft");
    if (soft == null) {
      return 0;
    }
    long sum = 0;
    for (Counts c : soft) {
      String domain = node.labels().get(c.constraint().getTopologyKey());
      sum += domain == null ? 0 : c.byDomain().getOrDefault(domain, 0);
    }
    return sum;
  }

  @Override
  public void normalizeScores(CycleState state, PodInfo pod, long[] scores) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long s : scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    for (int i = 0; i < scores.length; i++) {
      scores[i] = max == min ? MAX_SCORE : (max - scores[i]) * MAX_SCORE / (max - min);
    }
  }
}
