package io.jk.kubelet.pod;

import io.jk.kubelet.container.ContainerState;

/**
 * One container of a pod as the status needs it.
 *
 * @param name the container's name
 * @param init whether it is an init container
 * @param attempt the latest instance's attempt (its restart count), -1 when never started
 * @param latest the latest instance's state, or {@code null} when never started
 * @param previous the instance before it, or {@code null}
 * @param waitingReason a reason to show as waiting instead (ContainerCreating, CrashLoopBackOff, ErrImagePull...), or null
 * @param waitingMessage its message, or null
 * @param ready the readiness probe's verdict (true without a probe once running)
 * @param started the startup probe's verdict (true without a probe once running)
 * @param image the image as named in the spec
 * @param imageId the image's id, or ""
 * @param containerId the runtime id of the latest instance, or null
 */
record ContainerView(String name, boolean init, int attempt, ContainerState latest, ContainerState previous,
    String waitingReason, String waitingMessage, boolean ready, boolean started, String image, String imageId,
    String containerId) {}
