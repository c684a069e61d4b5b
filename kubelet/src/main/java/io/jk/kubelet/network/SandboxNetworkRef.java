package io.jk.kubelet.network;

import java.nio.file.Path;
import java.util.List;

/**
 * What CNI needs to know of one pod sandbox.
 *
 * @param sandboxId the sandbox container id (CNI's {@code CNI_CONTAINERID})
 * @param netnsPath the network namespace, e.g. {@code /proc/<pause pid>/ns/net}
 * @param podNamespace the pod's namespace (for {@code K8S_POD_NAMESPACE})
 * @param podName the pod's name
 * @param podUid the pod's uid
 * @param portMappings host ports to map (portmap plugin)
 */
public record SandboxNetworkRef(String sandboxId, Path netnsPath, String podNamespace, String podName,
    String podUid, List<PortMapping> portMappings) {

  /** A {@code hostPort} of a container port. */
  public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {}
}
