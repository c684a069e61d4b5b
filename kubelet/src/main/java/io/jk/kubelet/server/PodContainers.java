package io.jk.kubelet.server;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;

/**
 * What the kubelet's HTTP API needs to know of the pods this kubelet runs; implemented by the
 * pod workers, read by the log, exec and stats endpoints.
 */
public interface PodContainers {

  /**
   * A container of a pod on this node.
   *
   * @param previous the container's previous instance (the one before its last restart), as
   *     {@code kubectl logs --previous} asks
   */
  Optional<ContainerHandle> find(String namespace, String podName, String containerName, boolean previous);

  /** The pods this kubelet currently runs, as last seen from the API. */
  List<Pod> pods();
}
