package io.jk.kubelet.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.apiserver.resources.Strategies;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.testing.BusyboxImage;
import io.jk.kubelet.testing.KubeletHarness;
import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code jk kubelet} run as a command with the network flags: the Node reports the port the API
 * really listens on ({@code --port 0}), and a pod's address comes from real CNI plugins run in
 * {@code --node-netns} on {@code --cni-bridge}, leased by host-local under {@code --cni-data-dir}
 * (not under the root dir).
 */
class KubeletCommandFlagsEndToEndTest {

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }

  @Test
  void cniFlagsAndPortAreWhatTheRunningKubeletUses() throws Exception {
    assumeTrue(KubeletHarness.isRoot(), "containers and network namespaces need root");
    assumeTrue(Files.isExecutable(KubeletHarness.runtimeBin().resolve("jkshim")), "runtime binaries not built");
    assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "CNI plugins not installed");
    String tag = UUID.randomUUID().toString().substring(0, 6);
    String nodeNs = "jkt-flags-" + tag;
    String cgroup = "jk-test-" + tag;
    String node = "node-flags";
    Path root = Files.createTempDirectory("jk-flags-");
    Path cniData = Files.createTempDirectory("jk-flags-cni-");
    run("ip", "netns", "add", nodeNs);
    KubeletCommand cmd = new KubeletCommand();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread kubelet = null;
    try (TestApiServer api = TestApiServer.start(c -> c.withStrategies(t -> Strategies.forKind(t.group(), t.kind())))) {
      BusyboxImage.service(root).close();
      new CommandLine(cmd).parseArgs("--kubeconfig", api.kubeconfig().toString(), "--node-name", node, "--node-ip", "127.0.0.1",
          "--root-dir", root.toString(), "--runtime-bin-dir", KubeletHarness.runtimeBin().toString(), "--cgroup-parent", cgroup,
          "--address", "127.0.0.1", "--port", "0", "--cni-data-dir", cniData.toString(),
          "--cni-conf-dir", root.resolve("no-conf").toString(), "--cni-bin-dir", "/usr/lib/cni",
          "--node-netns", "/run/netns/" + nodeNs, "--cni-bridge", "jkf" + tag);
      kubelet = new Thread(() -> {
        try {
          exit.set(cmd.call());
        } catch (Exception e) {
          exit.set(99);
        }
      }, "kubelet-command");
      kubelet.start();
      KubernetesClient client = api.client();

      await().atMost(Duration.ofSeconds(60)).until(() -> {
        Node n = client.nodes().withName(node).get();
        return n != null && n.getStatus() != null && n.getStatus().getDaemonEndpoints() != null;
      });
      int port = client.nodes().withName(node).get().getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
      assertTrue(cmd.servingPort() > 0);
      assertEquals(cmd.servingPort(), port, "the Node reports the port the API listens on");
      assertNotEquals(10250, port);

      // what the node IPAM controller does
      client.nodes().withName(node).edit(n -> {
        n.getSpec().setPodCIDR("10.244.91.0/24");
        return n;
      });
      client.pods().resource(new PodBuilder().withNewMetadata().withName("web").withNamespace("default").endMetadata()
          .withNewSpec().withNodeName(node).withRestartPolicy("Never").withTerminationGracePeriodSeconds(2L)
          .addNewContainer().withName("main").withImage("busybox:1.36")
          .withCommand("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done").endContainer()
          .endSpec().build()).create();
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        Pod p = client.pods().inNamespace("default").withName("web").get();
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && p.getStatus().getPodIP() != null;
      });
      String ip = client.pods().inNamespace("default").withName("web").get().getStatus().getPodIP();
      assertTrue(ip.startsWith("10.244.91."), ip);
      assertTrue(Files.exists(cniData.resolve("ipam/jk").resolve(ip)), "host-local leased " + ip + " under --cni-data-dir");
      assertFalse(Files.exists(root.resolve("cni")), "nothing of CNI under the root dir");
      run("ip", "-n", nodeNs, "link", "show", "jkf" + tag);

      client.pods().inNamespace("default").withName("web").withGracePeriod(1).delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> client.pods().inNamespace("default").withName("web").get() == null);
      await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(cniData.resolve("ipam/jk").resolve(ip)));
    } finally {
      cmd.shutdown();
      if (kubelet != null) {
        kubelet.join(90_000);
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String mp = line.split(" ")[4];
        if (mp.startsWith(root.toString())) {
          new ProcessBuilder("umount", "-l", mp).start().waitFor();
        }
      }
      Cgroups.remove(cgroup);
      run("ip", "netns", "delete", nodeNs);
      new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString(), cniData.toString()).start().waitFor();
    }
    assertEquals(0, exit.get(), "the kubelet command stops cleanly");
  }
}
