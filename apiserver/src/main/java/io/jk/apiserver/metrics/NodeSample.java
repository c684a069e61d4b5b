package io.jk.apiserver.metrics;

import java.time.Instant;
import java.util.List;

/**
 * What one kubelet's {@code /stats/summary} said: the node's usage and that of each of its pods
 * and their containers (pods and containers without a CPU rate yet are left out, as metrics-server
 * does).
 *
 * @param node node name
 * @param timestamp when the kubelet sampled
 * @param usage the node's usage
 * @param pods the pods' samples
 */
public record NodeSample(String node, Instant timestamp, Usage usage, List<PodSample> pods) {

  /**
   * One pod's sample.
   *
   * @param namespace pod namespace
   * @param name pod name
   * @param timestamp when sampled
   * @param containers usage per container, in the kubelet's order
   */
  public record PodSample(String namespace, String name, Instant timestamp, List<ContainerSample> containers) {

    /** The sum over the containers. */
    public Usage total() {
      Usage u = new Usage(0, 0);
      for (ContainerSample c : containers) {
        u = u.plus(c.usage());
      }
      return u;
    }
  }

  /**
   * One container's usage.
   *
   * @param name container name
   * @param usage its usage
   */
  public record ContainerSample(String name, Usage usage) {}
}
