package io.jk.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.jk.controllers.pods.Pods;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The delay before a Job replaces failed pods, as Kubernetes' pod failure back-off: after the
 * n-th failure since the last success, {@code base * 2^(n-1)} (10 s, 20 s, 40 s, ...) capped at
 * six minutes, counted from the last failure.
 *
 * <p>A pod's finish time is its containers' latest {@code finishedAt}, else the time its Ready
 * condition turned False, else when this controller first saw it finished (kept in memory, as
 * Kubernetes keeps its back-off records).
 */
final class FailureBackoff {
  /** The cap Kubernetes documents for the pod failure back-off. */
  static final Duration MAX = Duration.ofMinutes(6);

  private final Duration base;
  private final Map<String, Instant> firstSeenFinished = new ConcurrentHashMap<>();

  FailureBackoff(Duration base) {
    this.base = base;
  }

  /** How long to wait at {@code now} before creating pods for a Job owning {@code pods}; zero when none. */
  Duration remaining(Collection<Pod> pods, Instant now) {
    Instant lastSuccess = null;
    for (Pod p : pods) {
      if ("Succeeded".equals(phase(p))) {
        Instant t = finishTime(p, now);
        lastSuccess = lastSuccess == null || t.isAfter(lastSuccess) ? t : lastSuccess;
      }
    }
    int failures = 0;
    Instant lastFailure = null;
    for (Pod p : pods) {
      if ("Failed".equals(phase(p))) {
        Instant t = finishTime(p, now);
        if (lastSuccess == null || t.isAfter(lastSuccess)) {
          failures++;
          lastFailure = lastFailure == null || t.isAfter(lastFailure) ? t : lastFailure;
        }
      }
    }
    if (failures == 0) {
      return Duration.ZERO;
    }
    Duration wait = delay(base, failures);
    Duration left = Duration.between(now, lastFailure.plus(wait));
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** {@code base * 2^(failures-1)}, at most {@link #MAX}. */
  static Duration delay(Duration base, int failures) {
    Duration d = base;
    for (int i = 1; i < failures && d.compareTo(MAX) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX) > 0 ? MAX : d;
  }

  /** Forgets pods that are gone (call with the Job's current pods). */
  void retain(Collection<Pod> pods) {
    if (firstSeenFinished.size() > pods.size()) {
      java.util.Set<String> uids = new java.util.HashSet<>();
      pods.forEach(p -> uids.add(p.getMetadata().getUid()));
      firstSeenFinished.keySet().retainAll(uids);
    }
  }

  private Instant finishTime(Pod p, Instant now) {
    Instant latest = null;
    if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
        if (cs.getState() != null && cs.getState().getTerminated() != null) {
          Instant t = Pods.parseTime(cs.getState().getTerminated().getFinishedAt());
          latest = t != null && (latest == null || t.isAfter(latest)) ? t : latest;
        }
      }
    }
    if (latest != null) {
      return latest;
    }
    if (p.getStatus() != null && p.getStatus().getConditions() != null) {
      for (PodCondition c : p.getStatus().getConditions()) {
        if ("Ready".equals(c.getType()) && "False".equals(c.getStatus())) {
          Instant t = Pods.parseTime(c.getLastTransitionTime());
          if (t != null) {
            return t;
          }
        }
      }
    }
    String uid = p.getMetadata().getUid() == null ? p.getMetadata().getName() : p.getMetadata().getUid();
    return firstSeenFinished.computeIfAbsent(uid, k -> now);
  }

  private static String phase(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }
}
