package io.jk.kubelet.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The kubelet's settings (from {@link KubeletCommand}'s flags).
 *
 * @param nodeName the Node's name
 * @param nodeIp the node's InternalIP
 * @param rootDir where pods' files, bundles and the runtime's state live
 * @param runtimeBinDir the directory holding {@code jkshim} and {@code pause}
 * @param runtimePath the OCI runtime ({@code jkrt} by default, {@code runc} works)
 * @param cgroupParent the cgroup (relative to the kubelet's own) pods' cgroups go under
 * @param nodeLabels extra labels of the Node
 * @param taints {@code key=value:Effect} taints to register with
 * @param systemReserved resources held back from allocatable ({@code cpu}, {@code memory}, ...)
 * @param kubeReserved resources held back from allocatable for Kubernetes' daemons
 * @param backoffBase the first restart back-off (10 s in Kubernetes)
 * @param backoffMax the back-off cap (5 min)
 * @param syncPeriod how often a running pod's containers are checked
 * @param leaseDuration the node Lease's duration (40 s); it is renewed every quarter of it
 * @param nodeStatusPeriod how often node status is written when nothing changed (1 min)
 */
public record KubeletConfig(String nodeName, String nodeIp, Path rootDir, Path runtimeBinDir, Path runtimePath,
    String cgroupParent, Map<String, String> nodeLabels, List<String> taints, Map<String, String> systemReserved,
    Map<String, String> kubeReserved, Duration backoffBase, Duration backoffMax, Duration syncPeriod,
    Duration leaseDuration, Duration nodeStatusPeriod) {

  /** Kubernetes' defaults for the given node, root dir and runtime binaries. */
  public static KubeletConfig defaults(String nodeName, String nodeIp, Path rootDir, Path runtimeBinDir) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimeBinDir.resolve("jkrt"), "jk-kubepods",
        Map.of(), List.of(), Map.of(), Map.of(), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(1),
        Duration.ofSeconds(40), Duration.ofMinutes(1));
  }

  public KubeletConfig withBackoff(Duration base, Duration max) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, base, max, syncPeriod, leaseDuration, nodeStatusPeriod);
  }

  public KubeletConfig withRuntimePath(Path path) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, path, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod);
  }

  public KubeletConfig withNode(Map<String, String> labels, List<String> taints, Map<String, String> systemReserved,
      Map<String, String> kubeReserved, String cgroupParent) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, labels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod);
  }
}
