package io.jk.kubelet.network;

import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link CniPodNetwork} finds its configuration and plugins and keeps its state.
 *
 * @param confDir {@code --cni-conf-dir}: the first {@code .conflist} (by name) here is used
 * @param binDirs {@code --cni-bin-dir}: where plugin binaries are looked up ({@code CNI_PATH})
 * @param dataDir {@code --cni-data-dir}: cached ADD results, host-local leases and the default config
 *     jk writes; one per kubelet so several kubelets on one machine do not collide
 * @param nodeNetns {@code --node-netns}: when set, plugins run inside this network namespace (via
 *     {@code nsenter --net=}), keeping the bridge and its gateway out of the host's namespace; may be null
 * @param podCidr the node's {@code spec.podCIDR}, for the default config when {@code confDir} has none; may be null
 * @param bridgeName the bridge of the default config (e.g. {@code jk0}; unique per kubelet in the lab)
 */
public record CniConfig(Path confDir, List<Path> binDirs, Path dataDir, Path nodeNetns, String podCidr, String bridgeName) {

  /** The defaults: {@code /etc/cni/net.d}, {@code /usr/lib/cni} and {@code /opt/cni/bin}, bridge {@code jk0}. */
  public static CniConfig defaults(Path dataDir, String podCidr) {
    return new CniConfig(Path.of("/etc/cni/net.d"), List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin")),
        dataDir, null, podCidr, "jk0");
  }

  public CniConfig {
    if (confDir == null || binDirs == null || binDirs.isEmpty() || dataDir == null) {
      throw new IllegalArgumentException("CNI needs a conf dir, at least one bin dir and a data dir");
    }
    if (bridgeName == null || bridgeName.isEmpty() || bridgeName.length() > 15) {
      throw new IllegalArgumentException("bridge name must be 1 to 15 characters: " + bridgeName);
    }
    binDirs = List.copyOf(binDirs);
  }
}
