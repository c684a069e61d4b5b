package io.jk.scheduler.plugins.tainttoleration;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.ScorePlugin;
import io.jk.scheduler.framework.Status;
import java.util.List;

/**
 * Keeps pods off nodes whose NoSchedule/NoExecute taints they do not tolerate, and prefers nodes
 * with fewer untolerated PreferNoSchedule taints.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin {

  @Override
  public String name() {
    return "TaintToleration";
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    Taint t = firstUntolerated(taints(node), pod.pod().getSpec().getTolerations());
    return t == null ? Status.SUCCESS : Status.unresolvable(
        "node(s) had untolerated taint {" + t.getKey() + ": "
            + (t.getValue() == null ? "" : t.getValue()) + "}");
  }

  /** The first NoSchedule/NoExecute taint none of {@code tolerations} tolerates, or null. */
  public static Taint firstUntolerated(List<Taint> taints, List<Toleration> tolerations) {
    for (Taint t : taints) {
      if (("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
          && !tolerated(t, tolerations)) {
        return t;
      }
    }
    return null;
  }

  /** Whether any toleration tolerates the taint. */
  public static boolean tolerated(Taint taint, List<Toleration> tolerations) {
    if (tolerations == null) {
      return false;
    }
    for (Toleration tol : tolerations) {
      if (tolerates(tol, taint)) {
        return true;
      }
    }
    return false;
  }

  /** Kubernetes' ToleratesTaint. */
  public static boolean tolerates(Toleration tol, Taint taint) {
    if (tol.getEffect() != null && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(taint.getEffect())) {
      return false;
    }
    String key = tol.getKey() == null ? "" : tol.getKey();
    if (!key.isEmpty() && !key.equals(taint.getKey())) {
      return false;
    }
    String op = tol.getOperator() == null || tol.getOperator().isEmpty() ? "Equal" : tol.getOperator();
    if (op.equals("Exists")) {
      return true;
    }
    if (key.isEmpty()) {
      return false;
    }
    String tv = taint.getValue() == null ? "" : taint.getValue();
    String v = tol.getValue() == null ? "" : tol.getValue();
    return op.equals("Equal") && v.equals(tv);
  }

  /** Skipped when no feasible node has a PreferNoSchedule taint: every score would be equal. */
  @Override
  public Status preScore(CycleState state, PodInfo pod, java.util.List<NodeInfo> feasible) {
    for (NodeInfo n : feasible) {
      if (n.hasPreferNoScheduleTaints()) {
        return Status.SUCCESS;
      }
    }
    return Status.SKIP;
  }

  @Override
  public long score(CycleState state, PodInfo pod, NodeInfo node) {
    long n = 0;
    for (Taint t : taints(node)) {
      if ("PreferNoSchedule".equals(t.getEffect())
          && !tolerated(t, pod.pod().getSpec().getTolerations())) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void normalizeScores(CycleState state, PodInfo pod, long[] scores) {
    long max = 0;
    for (long s : scores) {
      max = Math.max(max, s);
    }
    for (int i = 0; i < scores.length; i++) {
      scores[i] = max == 0 ? MAX_SCORE : MAX_SCORE - scores[i] * MAX_SCORE / max;
    }
  }

  private static List<Taint> taints(NodeInfo node) {
    return node.taints();
  }
}
