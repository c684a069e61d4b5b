package io.jk.kubelet.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The kubelet's settings of images and CNI: what the flags {@code --insecure-registries},
 * {@code --cni-conf-dir}, {@code --cni-bin-dir}, {@code --cni-data-dir}, {@code --node-netns} and
 * {@code --cni-bridge} set. The {@code JK_*} environment variables ({@link #fromEnvironment}) are only
 * the defaults of those flags, kept for {@code scripts/demo.sh} and its test, which set them.
 *
 * @param insecureRegistries registries ({@code host:port}) spoken to over plain HTTP
 * @param cniConfDir where the first {@code .conflist} is taken from
 * @param cniBinDirs where plugins are looked up
 * @param cniDataDir cached CNI results, host-local leases, the default config (null: {@code <root-dir>/cni})
 * @param nodeNetns a network namespace to run plugins in (null: the kubelet's own)
 * @param cniBridge the default config's bridge name
 */
public record NodeIoSettings(Set<String> insecureRegistries, Path cniConfDir, List<Path> cniBinDirs, Path cniDataDir,
    Path nodeNetns, String cniBridge) {

  /** Kubernetes' defaults: no insecure registries, {@code /etc/cni/net.d}, {@code /usr/lib/cni:/opt/cni/bin}, {@code jk0}. */
  public static NodeIoSettings defaults() {
    return fromEnvironment(Map.of());
  }

  /**
   * From the environment: {@code JK_INSECURE_REGISTRIES} (comma-separated), {@code JK_CNI_CONF_DIR},
   * {@code JK_CNI_BIN_DIR} (colon-separated), {@code JK_CNI_DATA_DIR}, {@code JK_NODE_NETNS},
   * {@code JK_CNI_BRIDGE}; defaults as Kubernetes' ({@code /etc/cni/net.d}, {@code /usr/lib/cni:/opt/cni/bin}, {@code jk0}).
   */
  public static NodeIoSettings fromEnvironment(Map<String, String> env) {
    Set<String> insecure = Arrays.stream(env.getOrDefault("JK_INSECURE_REGISTRIES", "").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    List<Path> bins = new ArrayList<>();
    for (String b : env.getOrDefault("JK_CNI_BIN_DIR", "/usr/lib/cni:/opt/cni/bin").split(":")) {
      if (!b.isBlank()) {
        bins.add(Path.of(b));
      }
    }
    return new NodeIoSettings(insecure, Path.of(env.getOrDefault("JK_CNI_CONF_DIR", "/etc/cni/net.d")), List.copyOf(bins),
        env.containsKey("JK_CNI_DATA_DIR") ? Path.of(env.get("JK_CNI_DATA_DIR")) : null,
        env.containsKey("JK_NODE_NETNS") ? Path.of(env.get("JK_NODE_NETNS")) : null,
        env.getOrDefault("JK_CNI_BRIDGE", "jk0"));
  }
}
