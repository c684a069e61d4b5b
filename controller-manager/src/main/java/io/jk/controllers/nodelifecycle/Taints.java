package io.jk.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/** Taint and toleration matching, as Kubernetes' {@code v1helper.TolerationsTolerateTaint}. */
public final class Taints {

  /** The taint of a node whose kubelet stopped renewing its lease. */
  public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
  /** The taint of a node whose kubelet reports NotReady. */
  public static final String NOT_READY = "node.kubernetes.io/not-ready";

  private Taints() {}

  /** Whether {@code t} tolerates {@code taint}. */
  public static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    if (t.getKey() == null || t.getKey().isEmpty()) {
      return "Exists".equals(op); // an empty key with Exists tolerates everything
    }
    if (!t.getKey().equals(taint.getKey())) {
      return false;
    }
    return switch (op) {
      case "Exists" -> true;
      case "Equal" -> java.util.Objects.equals(nullToEmpty(t.getValue()), nullToEmpty(taint.getValue()));
      default -> false;
    };
  }

  /**
   * How long a pod with {@code tolerations} may stay on a node with {@code taint}: -1 for ever,
   * 0 for not at all, otherwise the smallest matching tolerationSeconds.
   */
  public static long tolerationSeconds(List<Toleration> tolerations, Taint taint) {
    if (tolerations == null) {
      return 0;
    }
    long best = 0;
    boolean matched = false;
    for (Toleration t : tolerations) {
      if (!tolerates(t, taint)) {
        continue;
      }
      if (t.getTolerationSeconds() == null) {
        if (!matched) {
          best = -1;
        }
      } else {
        long s = Math.max(0, t.getTolerationSeconds());
        best = !matched || best < 0 ? s : Math.min(best, s);
      }
      matched = true;
    }
    return matched ? best : 0;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
