package io.jk.scheduler.plugins.podtopologyspread;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Taint;
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
import io.jk.scheduler.plugins.tainttoleration.TaintToleration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads pods across topology domains: {@code DoNotSchedule} constraints filter nodes where
 * the pod would push a domain more than {@code maxSkew} above the emptiest one;
 * {@code ScheduleAnyway} constraints score emptier domains higher.
 *
 * <p>As Kubernetes does: only nodes carrying every constraint's topology key count; a node is
 * counted for a constraint only if it passes the constraint's inclusion policies
 * ({@code nodeAffinityPolicy} Honor by default: the pod's nodeSelector and required node affinity;
 * {@code nodeTaintsPolicy} Ignore by default, Honor: the pod tolerates the node's
 * NoSchedule/NoExecute taints); {@code matchLabelKeys} add "key in (the pod's value)" to the
 * selector; with fewer eligible domains than {@code minDomains} the global minimum is 0.
 */
public final class PodTopologySpread implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  /** The reason users see for a skew violation. */
  public static final String REASON = "node(s) didn't match pod topology spread constraints";
  /** The reason users see for a node without the topology key. */
  public static final String MISSING_LABEL =
      "node(s) didn't match pod topology spread constraints (missing required label)";

  private static final String HARD = "PodTopologySpread";
  private static final String SOFT = "PodTopologySpread/soft";

  /** Matching pod counts per domain value, for one constraint with its effective selector. */
  record Counts(TopologySpreadConstraint constraint, LabelSelector selector,
      Map<String, Integer> byDomain, int min, boolean selfMatch) {}

  @Override
  public String name() {
    return "PodTopologySpread";
  }

  @Override
  public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
    List<TopologySpreadConstraint> hard = new ArrayList<>();
    List<TopologySpreadConstraint> soft = new ArrayList<>();
    List<TopologySpreadConstraint> cs = pod.pod().getSpec().getTopologySpreadConstraints();
    if (cs != null) {
      for (TopologySpreadConstraint c : cs) {
        ("ScheduleAnyway".equals(c.getWhenUnsatisfiable()) ? soft : hard).add(c);
      }
    }
    state.write(HARD, hard.isEmpty() ? null : count(hard, pod, snapshot.nodes()));
    state.write(SOFT, soft.isEmpty() ? null : count(soft, pod, snapshot.nodes()));
    return hard.isEmpty() ? Status.SKIP : Status.SUCCESS;
  }

  /** Skipped for pods without ScheduleAnyway constraints. */
  @Override
  public Status preScore(CycleState state, PodInfo pod, List<NodeInfo> feasible) {
    return state.read(SOFT) == null ? Status.SKIP : Status.SUCCESS;
  }

  /**
   * Counts, per constraint, the pods of the pod's namespace matching the constraint's
   * effective selector on each domain of the eligible nodes.
   */
  static List<Counts> count(List<TopologySpreadConstraint> constraints, PodInfo pod,
      List<NodeInfo> nodes) {
    int k = constraints.size();
    LabelSelector[] selectors = new LabelSelector[k];
    List<Map<String, Integer>> byDomain = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      selectors[i] = effectiveSelector(constraints.get(i), pod);
      byDomain.add(new HashMap<>());
    }
    for (NodeInfo n : nodes) {
      Map<String, String> labels = n.labels();
      if (!hasAllKeys(constraints, labels)) {
        continue;
      }
      for (int i = 0; i < k; i++) {
        TopologySpreadConstraint c = constraints.get(i);
        if (!included(c, pod, n)) {
          continue;
        }
        int matching = 0;
        for (PodInfo p : n.pods()) {
          if (p.namespace().equals(pod.namespace())
              && p.pod().getMetadata().getDeletionTimestamp() == null
              && Selectors.matches(selectors[i], p.pod().getMetadata().getLabels())) {
            matching++;
          }
        }
        byDomain.get(i).merge(labels.get(c.getTopologyKey()), matching, Integer::sum);
      }
    }
    List<Counts> out = new ArrayList<>(k);
    for (int i = 0; i < k; i++) {
      TopologySpreadConstraint c = constraints.get(i);
      Map<String, Integer> counts = byDomain.get(i);
      int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
      if (!"ScheduleAnyway".equals(c.getWhenUnsatisfiable()) && c.getMinDomains() != null
          && counts.size() < c.getMinDomains()) {
        min = 0;
      }
      boolean self = Selectors.matches(selectors[i], pod.pod().getMetadata().getLabels());
      out.add(new Counts(c, selectors[i], counts, min, self));
    }
    return out;
  }

  private static boolean hasAllKeys(List<TopologySpreadConstraint> cs, Map<String, String> labels) {
    for (TopologySpreadConstraint c : cs) {
      if (!labels.containsKey(c.getTopologyKey())) {
        return false;
      }
    }
    return true;
  }

  /** Whether node {@code n} counts for {@code c} under its inclusion policies. */
  static boolean included(TopologySpreadConstraint c, PodInfo pod, NodeInfo n) {
    if (!"Ignore".equals(c.getNodeAffinityPolicy())
        && !NodeAffinity.requiredMatches(pod.pod(), n.name(), n.labels())) {
      return false;
    }
    if ("Honor".equals(c.getNodeTaintsPolicy())) {
      var spec = n.node().getSpec();
      List<Taint> taints = spec == null || spec.getTaints() == null ? List.of() : spec.getTaints();
      return TaintToleration.firstUntolerated(taints, pod.pod().getSpec().getTolerations()) == null;
    }
    return true;
  }

  /**
   * The constraint's selector with {@code key In (pod's value)} added for each of its
   * {@code matchLabelKeys} that the pod carries (keys the pod lacks are ignored).
   */
  static LabelSelector effectiveSelector(TopologySpreadConstraint c, PodInfo pod) {
    LabelSelector sel = c.getLabelSelector();
    List<String> keys = c.getMatchLabelKeys();
    Map<String, String> podLabels = pod.pod().getMetadata().getLabels();
    if (sel == null || keys == null || keys.isEmpty() || podLabels == null) {
      return sel;
    }
    LabelSelector merged = new LabelSelector(
        sel.getMatchExpressions() == null ? new ArrayList<>() : new ArrayList<>(sel.getMatchExpressions()),
        sel.getMatchLabels());
    for (String key : keys) {
      String v = podLabels.get(key);
      if (v != null) {
        merged.getMatchExpressions().add(new LabelSelectorRequirementBuilder().withKey(key)
            .withOperator("In").withValues(v).build());
      }
    }
    return merged;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    List<Counts> hard = state.read(HARD);
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
    List<Counts> soft = state.read(SOFT);
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
