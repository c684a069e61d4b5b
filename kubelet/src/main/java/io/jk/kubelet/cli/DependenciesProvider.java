package io.jk.kubelet.cli;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Supplies the node-level services (image service, root file systems, CNI, volumes) to
 * {@link KubeletCommand}. Implementations register through {@code java.util.ServiceLoader}
 * ({@code META-INF/services/io.jk.kubelet.cli.DependenciesProvider}); the one with the highest
 * {@link #priority()} wins.
 */
public interface DependenciesProvider {

  /** Builds the services for a kubelet with {@code config}, talking to the API through {@code client}. */
  Kubelet.Dependencies create(KubeletConfig config, KubernetesClient client);

  /** Higher wins when several are on the class path. */
  default int priority() {
    return 0;
  }
}
