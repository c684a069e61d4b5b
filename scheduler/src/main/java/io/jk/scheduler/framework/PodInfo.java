package io.jk.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.common.resources.PodRequests;
import io.jk.common.resources.Resources;

/**
 * A pod with what the scheduler computes from it once: its requests (for fit and for scoring)
 * and its priority.
 */
public record PodInfo(Pod pod, String key, String uid, Resources requests,
    Resources nonZeroRequests, int priority) {

  /** Wraps {@code pod} with the given resolved priority. */
  public static PodInfo of(Pod pod, int priority) {
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    return new PodInfo(pod, key, pod.getMetadata().getUid(), PodRequests.of(pod),
        PodRequests.nonZero(pod), priority);
  }

  /** Wraps {@code pod}, taking its priority from {@code spec.priority} (0 when unset). */
  public static PodInfo of(Pod pod) {
    Integer p = pod.getSpec() == null ? null : pod.getSpec().getPriority();
    return of(pod, p == null ? 0 : p);
  }

  /** The pod's namespace. */
  public String namespace() {
    return pod.getMetadata().getNamespace();
  }

  /** The pod's name. */
  public String name() {
    return pod.getMetadata().getName();
  }
}
