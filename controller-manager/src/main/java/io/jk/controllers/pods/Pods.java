package io.jk.controllers.pods;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Pod predicates controllers share: active, ready, available, and the order of deletion. */
public final class Pods {

  private Pods() {}

  /** Not terminal (Succeeded/Failed) and not being deleted: counts towards a controller's replicas. */
  public static boolean isActive(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null;
  }

  /** The pod's Ready condition, or {@code null}. */
  public static PodCondition readyCondition(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  /** Whether the Ready condition is True. */
  public static boolean isReady(Pod pod) {
    PodCondition c = readyCondition(pod);
    return c != null && "True".equals(c.getStatus());
  }

  /** Since when the pod has been Ready ({@code null} if not ready or unknown). */
  public static Instant readySince(Pod pod) {
    PodCondition c = readyCondition(pod);
    if (c == null || !"True".equals(c.getStatus()) || c.getLastTransitionTime() == null) {
      return null;
    }
    return parseTime(c.getLastTransitionTime());
  }

  /** Ready for at least {@code minReadySeconds} at {@code now}. */
  public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isReady(pod)) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    Instant since = readySince(pod);
    return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
  }

  /** How long until a ready pod becomes available ({@code null} if not ready or already available). */
  public static Duration untilAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isReady(pod) || minReadySeconds <= 0) {
      return null;
    }
    Instant since = readySince(pod);
    if (since == null) {
      return null;
    }
    Duration d = Duration.between(now, since.plusSeconds(minReadySeconds));
    return d.isNegative() || d.isZero() ? null : d;
  }

  /** The sum of the pod's container restart counts. */
  public static int restarts(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return 0;
    }
    int n = 0;
    for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
      n += s.getRestartCount() == null ? 0 : s.getRestartCount();
    }
    return n;
  }

  /** Parses an RFC 3339 timestamp as the API server writes it ({@code null} if absent or bad). */
  public static Instant parseTime(String t) {
    if (t == null || t.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(t);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** An RFC 3339 timestamp in seconds, as Kubernetes writes them. */
  public static String formatTime(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /**
   * Kubernetes' order for deleting surplus pods ({@code controller.ActivePods}): the pod to delete
   * first sorts first. Unscheduled before scheduled, Pending before Unknown before Running,
   * not-ready before ready, ready for a shorter time before longer, more restarts before fewer,
   * newer before older.
   */
  public static final Comparator<Pod> DELETION_ORDER =
      Comparator.<Pod>comparingInt(p -> isScheduled(p) ? 1 : 0)
          .thenComparingInt(Pods::phaseRank)
          .thenComparingInt(p -> isReady(p) ? 1 : 0)
          .thenComparing(Pods::readySinceOrMin, Comparator.reverseOrder())
          .thenComparing(Comparator.comparingInt(Pods::restarts).reversed())
          .thenComparing(Pods::creationOrMin, Comparator.reverseOrder());

  /** The first {@code n} pods of {@code pods} in {@link #DELETION_ORDER}. */
  public static List<Pod> toDelete(List<Pod> pods, int n) {
    return pods.stream().sorted(DELETION_ORDER).limit(Math.max(0, n)).toList();
  }

  private static boolean isScheduled(Pod p) {
    return p.getSpec() != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty();
  }

  private static int phaseRank(Pod p) {
    String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
    return switch (phase) {
      case "Pending" -> 0;
      case "Unknown" -> 1;
      case "Running" -> 2;
      default -> 3;
    };
  }

  private static Instant readySinceOrMin(Pod p) {
    Instant t = readySince(p);
    return t == null ? Instant.MIN : t;
  }

  private static Instant creationOrMin(Pod p) {
    Instant t = parseTime(p.getMetadata().getCreationTimestamp());
    return t == null ? Instant.MIN : t;
  }
}
