package io.jk.controllers.deployment;

import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * Rolling-update arithmetic: {@code maxSurge}/{@code maxUnavailable} given as integers or
 * percentages of the desired replicas, resolved as Kubernetes does (surge rounds up,
 * unavailable rounds down, and both zero becomes unavailable 1 so the rollout can progress).
 */
public final class RollingMath {

  private RollingMath() {}

  /** Resolved limits in pods. */
  public record Limits(int maxSurge, int maxUnavailable) {}

  /**
   * Resolves {@code value} against {@code total}; {@code null} gives {@code defaultValue}.
   *
   * @throws IllegalArgumentException for a negative number or a string that is not {@code N%}
   */
  public static int resolve(IntOrString value, int total, boolean roundUp, String defaultValue) {
    if (value == null || (value.getIntVal() == null && value.getStrVal() == null)) {
      value = new IntOrString(defaultValue);
    }
    if (value.getIntVal() != null) {
      if (value.getIntVal() < 0) {
        throw new IllegalArgumentException("must not be negative: " + value.getIntVal());
      }
      return value.getIntVal();
    }
    String s = value.getStrVal().trim();
    if (!s.endsWith("%")) {
      try {
        int n = Integer.parseInt(s);
        if (n < 0) {
          throw new IllegalArgumentException("must not be negative: " + s);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid value \"" + s + "\": must be an integer or a percentage");
      }
    }
    int pct;
    try {
      pct = Integer.parseInt(s.substring(0, s.length() - 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid percentage \"" + s + "\"");
    }
    if (pct < 0) {
      throw new IllegalArgumentException("must not be negative: " + s);
    }
    long scaled = (long) pct * total;
    return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
  }

  /** maxSurge (default 25%, rounded up) and maxUnavailable (default 25%, rounded down) for {@code replicas}. */
  public static Limits limits(IntOrString maxSurge, IntOrString maxUnavailable, int replicas) {
    int surge = resolve(maxSurge, replicas, true, "25%");
    int unavailable = resolve(maxUnavailable, replicas, false, "25%");
    if (surge == 0 && unavailable == 0) {
      unavailable = 1;
    }
    return new Limits(surge, Math.min(unavailable, replicas));
  }

  /**
   * How many replicas the new ReplicaSet may have now: up to {@code replicas + maxSurge} pods
   * (spec) in total and never more than {@code replicas}.
   */
  public static int newReplicaSetReplicas(int replicas, Limits limits, int allPodsSpec, int newSpec) {
    if (newSpec >= replicas) {
      return replicas;
    }
    int maxTotal = replicas + limits.maxSurge();
    if (allPodsSpec >= maxTotal) {
      return newSpec;
    }
    return newSpec + Math.min(maxTotal - allPodsSpec, replicas - newSpec);
  }

  /**
   * How many old pods may be scaled down now while keeping {@code replicas - maxUnavailable}
   * available: {@code allPodsSpec - minAvailable - newUnavailable} (0 if negative).
   */
  public static int maxScaleDown(int replicas, Limits limits, int allPodsSpec, int newSpec, int newAvailable) {
    int minAvailable = replicas - limits.maxUnavailable();
    int newUnavailable = Math.max(0, newSpec - newAvailable);
    return Math.max(0, allPodsSpec - minAvailable - newUnavailable);
  }

  /**
   * One ReplicaSet as proportional scaling sees it.
   *
   * @param name its name
   * @param spec its spec.replicas
   * @param maxReplicasBefore its {@code deployment.kubernetes.io/max-replicas} annotation (0 if absent)
   * @param created creation order key (older sorts first)
   */
  public record Sized(String name, int spec, int maxReplicasBefore, String created) {}

  /**
   * Kubernetes' proportional scaling of a Deployment resized mid-rollout: the difference between
   * {@code replicas + maxSurge} and the ReplicaSets' total is spread over the active ones in
   * proportion to their size ({@code round(spec * (replicas + maxSurge) / maxReplicasBefore)}),
   * largest first (newest first on ties when growing, oldest first when shrinking), and what
   * rounding leaves goes to the first. Returns name to new size for every ReplicaSet given.
   *
   * @param statusReplicas the Deployment's status.replicas, used for a ReplicaSet without the annotation
   */
  public static java.util.Map<String, Integer> proportional(java.util.List<Sized> active, int replicas, int maxSurge,
      int statusReplicas) {
    int allowed = replicas + maxSurge;
    int total = active.stream().mapToInt(Sized::spec).sum();
    int toAdd = allowed - total;
    java.util.Comparator<Sized> bySize = java.util.Comparator.comparingInt(Sized::spec).reversed();
    java.util.List<Sized> order = new java.util.ArrayList<>(active);
    order.sort(toAdd > 0 ? bySize.thenComparing(Sized::created, java.util.Comparator.reverseOrder())
        : bySize.thenComparing(Sized::created));
    java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
    int added = 0;
    for (Sized rs : order) {
      int proportion = 0;
      if (toAdd != 0 && rs.spec() != 0 && added != toAdd) {
        int fraction;
        if (replicas == 0) {
          fraction = -rs.spec();
        } else {
          int before = rs.maxReplicasBefore() > 0 ? rs.maxReplicasBefore() : statusReplicas;
          fraction = before <= 0 ? 0 : (int) Math.round((double) rs.spec() * allowed / before) - rs.spec();
        }
        int left = toAdd - added;
        proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
      }
      out.put(rs.name(), rs.spec() + proportion);
      added += proportion;
    }
    if (!order.isEmpty() && toAdd != 0) {
      String first = order.get(0).name();
      out.put(first, Math.max(0, out.get(first) + toAdd - added));
    }
    return out;
  }
}
