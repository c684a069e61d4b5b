package io.jk.scheduler.plugins.nodeaffinity;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.PreFilterPlugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.ScorePlugin;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.Selectors;
import java.util.Map;

/**
 * {@code spec.nodeSelector} and required node affinity as a filter; preferred node affinity
 * terms as a score (the summed weights of the matching terms, normalized to 0..100).
 */
public final class NodeAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  /** The reason users see. */
  public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

  @Override
  public String name() {
    return "NodeAffinity";
  }

  /** Skipped for pods with neither a nodeSelector nor required node affinity. */
  @Override
  public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
    var spec = pod.pod().getSpec();
    boolean selector = spec.getNodeSelector() != null && !spec.getNodeSelector().isEmpty();
    Affinity a = spec.getAffinity();
    boolean required = a != null && a.getNodeAffinity() != null
        && a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null;
    return selector || required ? Status.SUCCESS : Status.SKIP;
  }

  /** Skipped for pods without preferred node affinity terms. */
  @Override
  public Status preScore(CycleState state, PodInfo pod, java.util.List<NodeInfo> feasible) {
    Affinity a = pod.pod().getSpec().getAffinity();
    var preferred = a == null || a.getNodeAffinity() == null ? null
        : a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
    return preferred == null || preferred.isEmpty() ? Status.SKIP : Status.SUCCESS;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    return requiredMatches(pod.pod(), node.name(), node.labels())
        ? Status.SUCCESS : Status.unresolvable(REASON);
  }

  /** Whether the node satisfies the pod's nodeSelector and required node affinity. */
  public static boolean requiredMatches(Pod pod, String nodeName, Map<String, String> labels) {
    Map<String, String> sel = pod.getSpec().getNodeSelector();
    if (sel != null) {
      for (var e : sel.entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    Affinity a = pod.getSpec().getAffinity();
    if (a == null || a.getNodeAffinity() == null) {
      return true;
    }
    NodeSelector req = a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    if (req == null || req.getNodeSelectorTerms() == null) {
      return true;
    }
    for (NodeSelectorTerm t : req.getNodeSelectorTerms()) {
      if (Selectors.matchesTerm(t, nodeName, labels)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    Affinity a = pod.pod().getSpec().getAffinity();
    if (a == null || a.getNodeAffinity() == null
        || a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution() == null) {
      return 0;
    }
    long sum = 0;
    for (PreferredSchedulingTerm t
        : a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()) {
      if (t.getPreference() != null && t.getWeight() != null
          && Selectors.matchesTerm(t.getPreference(), node.name(), node.labels())) {
        sum += t.getWeight();
      }
    }
    return sum;
  }

  @Override
  public void normalizeScores(CycleState state, PodInfo pod, long[] scores) {
    long max = 0;
    for (long s : scores) {
      max = Math.max(max, s);
    }
    if (max > 0) {
      for (int i = 0; i < scores.length; i++) {
        scores[i] = scores[i] * MAX_SCORE / max;
      }
    }
  }
}
