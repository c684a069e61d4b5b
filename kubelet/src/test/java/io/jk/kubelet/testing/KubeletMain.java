package io.jk.kubelet.testing;

import io.jk.common.client.Clients;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A kubelet in a process of its own, with the real image service (busybox imported) and the real volume manager and the stand-in network, so a
 * test can SIGKILL it. Args: KUBECONFIG ROOT_DIR RUNTIME_BIN CGROUP_PARENT UNUSED BACKOFF_MS. Writes
 * {@code ROOT_DIR/started-PID} once started; SIGTERM stops it (pods keep running), as {@code jk kubelet}.
 */
public final class KubeletMain {
  private KubeletMain() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[1]);
    KubeletConfig cfg = KubeletConfig.defaults(KubeletHarness.NODE, "127.0.0.1", root, Path.of(args[2]))
        .withBackoff(Duration.ofMillis(Long.parseLong(args[5])), Duration.ofMillis(Long.parseLong(args[5]) * 8))
        .withNode(Map.of(), List.of(), Map.of(), Map.of(), args[3]);
    var images = BusyboxImage.service(root);
    var client = Clients.fromKubeconfig(Path.of(args[0]));
    Kubelet k = new Kubelet(cfg, client,
        new Kubelet.Dependencies(images, new io.jk.kubelet.image.OverlayRootfsManager(), new DummyNetwork(),
            new io.jk.kubelet.volume.DefaultVolumeManager(root, client, Map.of())));
    k.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    // SIGTERM stops the kubelet as `jk kubelet` does (KubeletCommand's hook): pods keep running
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        k.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
      }
    }, "kubelet-shutdown"));
    Files.writeString(root.resolve("started-" + ProcessHandle.current().pid()), "");
    Thread.currentThread().join();
  }
}
