package io.jk.kubelet.network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.resources.Strategies;
import io.jk.kubelet.cli.Kubelet;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.image.NodeIoProvider;
import io.jk.kubelet.image.NodeIoSettings;
import io.jk.testing.TestApiServer;
import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import io.jk.testing.registry.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A real kubelet with the real node services ({@link NodeIoProvider}): the image is pulled from a
 * loopback registry, the rootfs is an overlay of its layers, the pod gets a CNI address from the
 * Node's podCIDR in a test-made node namespace, and a configMap volume is mounted. Deleting the
 * pod releases everything.
 */
class NodeIoEndToEndTest {

  static Path runtimeBin() {
    String p = System.getProperty("jk.runtime.bin");
    return p != null ? Path.of(p) : Path.of("..", "runtime", "target", "bin").toAbsolutePath().normalize();
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + out);
    }
    return out;
  }

  @Test
  void podRunsFromAPulledImageWithCniAddressAndConfigMap() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "containers and namespaces need root");
    assumeTrue(Files.isExecutable(runtimeBin().resolve("jkshim")), "runtime binaries not built");
    String tag = UUID.randomUUID().toString().substring(0, 6);
    String nodeNs = "jkt-e2e-" + tag;
    Path root = Files.createTempDirectory("jk-e2e-");
    String cgroup = "jk-test-" + tag;
    run("ip", "netns", "add", nodeNs);
    Kubelet kubelet = null;
    Kubelet.Dependencies deps = null;
    try (TestRegistry registry = TestRegistry.start();
        TestApiServer api = TestApiServer.start(c -> c.withStrategies(t -> Strategies.forKind(t.group(), t.kind())))) {
      LayerBuilder etc = new LayerBuilder().dir("etc", 0755)
          .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644).file("etc/group", "root:x:0:\n", 0644)
          .file("etc/hosts", "", 0644).file("etc/hostname", "", 0644).file("etc/resolv.conf", "", 0644)
          .file("etc/motd", "from the registry", 0644).dir("root", 0700).dir("data", 0755);
      String ref = registry.push("e2e/app", "1", OciImage.builder().layer(OciImage.busyboxLayer()).layer(etc).cmd("sh").build());

      KubernetesClient client = api.client();
      client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").endMetadata()
          .addToData("greeting", "hello from a configmap").build()).create();
      KubeletConfig cfg = KubeletConfig.defaults("node-e2e", "127.0.0.1", root, runtimeBin())
          .withNode(Map.of(), List.of(), Map.of(), Map.of(), cgroup).withRuntimePath(runtimeBin().resolve("jkrt"));
      NodeIoSettings settings = new NodeIoSettings(Set.of(), root.resolve("no-conf"), List.of(Path.of("/usr/lib/cni")),
          root.resolve("cni"), Path.of("/run/netns", nodeNs), "jke" + tag);
      deps = NodeIoProvider.create(cfg, client, settings);
      kubelet = new Kubelet(cfg, client, deps);
      kubelet.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      // what the node IPAM controller does: assign the node a pod CIDR
      await().atMost(Duration.ofSeconds(30)).until(() -> client.nodes().withName("node-e2e").get() != null);
      client.nodes().withName("node-e2e").edit(n -> {
        n.getSpec().setPodCIDR("10.244.90.0/24");
        return n;
      });

      Pod pod = new PodBuilder().withNewMetadata().withName("app").withNamespace("default").endMetadata().withNewSpec()
          .withNodeName("node-e2e").withRestartPolicy("Never")
          .addNewContainer().withName("main").withImage(ref).withImagePullPolicy("IfNotPresent")
          .withCommand("sh", "-c", "cat /cfg/greeting /etc/motd > /out/result; ip -4 -o addr show eth0 >> /out/result; "
              + "trap 'exit 0' TERM; while true; do sleep 1; done")
          .addNewVolumeMount().withName("cfg").withMountPath("/cfg").endVolumeMount()
          .addNewVolumeMount().withName("out").withMountPath("/out").endVolumeMount()
          .endContainer()
          .addNewVolume().withName("cfg").withNewConfigMap().withName("cfg").endConfigMap().endVolume()
          .addNewVolume().withName("out").withNewEmptyDir().endEmptyDir().endVolume()
          .endSpec().build();
      client.pods().resource(pod).create();
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        Pod p = client.pods().inNamespace("default").withName("app").get();
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && p.getStatus().getPodIP() != null;
      });
      Pod running = client.pods().inNamespace("default").withName("app").get();
      String ip = running.getStatus().getPodIP();
      assertTrue(ip.startsWith("10.244.90."), ip);
      Path result = root.resolve("pods").resolve(running.getMetadata().getUid()).resolve("volumes/kubernetes.io~empty-dir/out/result");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(result) && Files.readString(result).contains("inet"));
      String out = Files.readString(result);
      assertTrue(out.startsWith("hello from a configmapfrom the registry"), out);
      assertTrue(out.contains(ip + "/24"), out);
      run("ip", "netns", "exec", nodeNs, "busybox", "ping", "-c1", "-W2", ip);
      assertTrue(running.getStatus().getContainerStatuses().get(0).getImageID().contains("sha256:"),
          running.getStatus().getContainerStatuses().get(0).getImageID());

      client.pods().inNamespace("default").withName("app").withGracePeriod(1).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace("default").withName("app").get() == null);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        try (Stream<Path> s = Files.list(root.resolve("cni/results"))) {
          return s.findAny().isEmpty();
        }
      });
      assertFalse(Files.exists(root.resolve("cni/ipam/jk").resolve(ip)), "address released");
      Node node = client.nodes().withName("node-e2e").get();
      assertEquals("10.244.90.0/24", node.getSpec().getPodCIDR());
    } finally {
      if (kubelet != null) {
        kubelet.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      if (deps != null) {
        ((AutoCloseable) deps.images()).close();
        ((AutoCloseable) deps.network()).close();
        ((AutoCloseable) deps.volumes()).close();
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.startsWith(root.toString())) {
          new ProcessBuilder("umount", "-l", mp).start().waitFor();
        }
      }
      Cgroups.remove(cgroup);
      run("ip", "netns", "delete", nodeNs);
      new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).start().waitFor();
    }
  }
}
