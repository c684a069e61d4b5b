package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The pod-level cgroup gets the sum of its containers' limits (cgroup v1 here), as Kubernetes sets it. */
class PodCgroupTest {

  static String read(String controller, String relative, String file) throws Exception {
    return Files.readString(Path.of("/sys/fs/cgroup/" + controller + Cgroups.ownPath(controller) + "/" + relative, file)).trim();
  }

  static Container limited(String name, String cpu, String memory) {
    Container c = sh(name, "trap 'exit 0' TERM; while true; do sleep 0.2; done");
    c.setResources(new ResourceRequirementsBuilder().withLimits(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory)))
        .withRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory))).build());
    return c;
  }

  @Test
  void aPodsCgroupLimitsItsContainersTogether() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    Assumptions.assumeTrue(Files.exists(Path.of("/sys/fs/cgroup/memory/cgroup.procs"))
        && Files.exists(Path.of("/sys/fs/cgroup/cpu/cgroup.procs")), "checks cgroup v1 files");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1))) {
      h.client().pods().resource(pod("limited", "Always", limited("a", "200m", "64Mi"), limited("b", "300m", "32Mi")).build()).create();
      h.client().pods().resource(pod("free", "Always", sh("a", "trap 'exit 0' TERM; while true; do sleep 0.2; done")).build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(phase(h, "limited")) && "Running".equals(phase(h, "free")));

      String limited = h.config.cgroupParent() + "/pod" + h.get("limited").getMetadata().getUid();
      assertEquals(Long.toString(96L * 1024 * 1024), read("memory", limited, "memory.limit_in_bytes"));
      assertEquals("50000", read("cpu", limited, "cpu.cfs_quota_us"));
      assertEquals("100000", read("cpu", limited, "cpu.cfs_period_us"));
      assertEquals("512", read("cpu", limited, "cpu.shares"));

      String free = h.config.cgroupParent() + "/pod" + h.get("free").getMetadata().getUid();
      assertEquals("-1", read("cpu", free, "cpu.cfs_quota_us"), "a BestEffort pod has no cpu limit");
      assertEquals("2", read("cpu", free, "cpu.shares"));
    }
  }

  static String phase(KubeletHarness h, String name) {
    var p = h.get(name);
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }
}
