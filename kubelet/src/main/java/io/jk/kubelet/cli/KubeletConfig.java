package io.jk.kubelet.cli;

import io.jk.kubelet.image.NodeIoSettings;
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
 * @param nodeIo images' and CNI's settings ({@code --insecure-registries}, {@code --cni-*}, {@code --node-netns})
 * @param port the port the kubelet's HTTPS API serves on, reported as the Node's
 *     {@code daemonEndpoints.kubeletEndpoint.Port} (10250)
 * @param imageGcHighPercent disk usage above which unused images are removed (85)
 * @param imageGcLowPercent disk usage image garbage collection removes down to (80)
 * @param imageGcPeriod how often image garbage collection runs (5 min)
 */
public record KubeletConfig(String nodeName, String nodeIp, Path rootDir, Path runtimeBinDir, Path runtimePath,
    String cgroupParent, Map<String, String> nodeLabels, List<String> taints, Map<String, String> systemReserved,
    Map<String, String> kubeReserved, Duration backoffBase, Duration backoffMax, Duration syncPeriod,
    Duration leaseDuration, Duration nodeStatusPeriod, NodeIoSettings nodeIo, int port, int imageGcHighPercent,
    int imageGcLowPercent, Duration imageGcPeriod) {

  /** Kubernetes' defaults for the given node, root dir and runtime binaries. */
  public static KubeletConfig defaults(String nodeName, String nodeIp, Path rootDir, Path runtimeBinDir) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimeBinDir.resolve("jkrt"), "jk-kubepods",
        Map.of(), List.of(), Map.of(), Map.of(), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(1),
        Duration.ofSeconds(40), Duration.ofMinutes(1), NodeIoSettings.defaults(), 10250, 85, 80, Duration.ofMinutes(5));
  }

  public KubeletConfig withBackoff(Duration base, Duration max) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, base, max, syncPeriod, leaseDuration, nodeStatusPeriod, nodeIo, port,
        imageGcHighPercent, imageGcLowPercent, imageGcPeriod);
  }

  public KubeletConfig withRuntimePath(Path path) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, path, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod, nodeIo, port,
        imageGcHighPercent, imageGcLowPercent, imageGcPeriod);
  }

  public KubeletConfig withNode(Map<String, String> labels, List<String> taints, Map<String, String> systemReserved,
      Map<String, String> kubeReserved, String cgroupParent) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, labels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod, nodeIo, port,
        imageGcHighPercent, imageGcLowPercent, imageGcPeriod);
  }

  /** With images' and CNI's settings. */
  public KubeletConfig withNodeIo(NodeIoSettings settings) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod, settings, port,
        imageGcHighPercent, imageGcLowPercent, imageGcPeriod);
  }

  /** With the port the kubelet's API serves on (the one it listens on, once known). */
  public KubeletConfig withPort(int port) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod, nodeIo, port,
        imageGcHighPercent, imageGcLowPercent, imageGcPeriod);
  }

  /** With image garbage collection between {@code lowPercent} and {@code highPercent} disk usage, every {@code period}. */
  public KubeletConfig withImageGc(int highPercent, int lowPercent, Duration period) {
    return new KubeletConfig(nodeName, nodeIp, rootDir, runtimeBinDir, runtimePath, cgroupParent, nodeLabels, taints,
        systemReserved, kubeReserved, backoffBase, backoffMax, syncPeriod, leaseDuration, nodeStatusPeriod, nodeIo, port,
        highPercent, lowPercent, period);
  }
}
