package io.jk.kubelet.image;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.kubelet.cli.DependenciesProvider;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.network.CniConfig;
import io.jk.kubelet.network.CniPodNetwork;
import io.jk.kubelet.volume.DefaultVolumeManager;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The real node services for the kubelet: {@link OciImageService}, {@link OverlayRootfsManager},
 * {@link CniPodNetwork} (default config from the Node's {@code spec.podCIDR}, read once assigned)
 * and {@link DefaultVolumeManager} (downward API limits default to the Node's allocatable). Found
 * by {@code ServiceLoader} when {@code META-INF/services/io.jk.kubelet.cli.DependenciesProvider}
 * names it; images' and CNI's settings from {@link KubeletConfig#nodeIo()} (the kubelet's flags).
 */
public final class NodeIoProvider implements DependenciesProvider {

  @Override
  public Kubelet.Dependencies create(KubeletConfig config, KubernetesClient client) {
    return create(config, client, config.nodeIo());
  }

  /** The services for {@code config} with explicit settings (for flags and tests). */
  public static Kubelet.Dependencies create(KubeletConfig config, KubernetesClient client, NodeIoSettings settings) {
    Path root = config.rootDir();
    OciImageService images = new OciImageService(root, settings.insecureRegistries(), config.imageGcHighPercent(),
        config.imageGcLowPercent());
    Path cniData = settings.cniDataDir() != null ? settings.cniDataDir() : root.resolve("cni");
    CniConfig cni = new CniConfig(settings.cniConfDir(), settings.cniBinDirs(), cniData, settings.nodeNetns(), null,
        settings.cniBridge());
    Supplier<Node> node = () -> client.nodes().withName(config.nodeName()).get();
    // jkrt and runc bring lo up in each sandbox's new network namespace: no loopback plugin exec per pod
    CniPodNetwork network = new CniPodNetwork(cni, () -> {
      Node n = node.get();
      return n == null || n.getSpec() == null ? null : n.getSpec().getPodCIDR();
    }, true);
    DefaultVolumeManager volumes = new DefaultVolumeManager(root, client, () -> {
      Node n = node.get();
      Map<String, Quantity> alloc = n == null || n.getStatus() == null ? null : n.getStatus().getAllocatable();
      return alloc == null ? Map.of() : alloc;
    });
    return new Kubelet.Dependencies(images, new OverlayRootfsManager(), network, volumes);
  }

  @Override
  public int priority() {
    return 10;
  }
}
