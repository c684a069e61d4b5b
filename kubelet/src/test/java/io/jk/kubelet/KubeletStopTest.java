package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A stopped kubelet leaves its node clean, but never at its pods' expense: the pods' parent cgroup goes
 * when no pod is left under it, and stays (with the pods running) when the kubelet stops on SIGTERM
 * while pods run, so that a restarted kubelet adopts them.
 */
class KubeletStopTest {
  private static final String LOOP = "trap 'exit 0' TERM; while true; do sleep 0.2; done";

  static boolean running(KubeletHarness h, String name) {
    Pod p = h.get(name);
    return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
  }

  @Test
  void aStoppedKubeletWithoutPodsLeavesNoParentCgroupInAnyHierarchy() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1))) {
      String parent = h.config.cgroupParent();
      // a kubelet that ran no pod
      h.stopKubelet();
      assertEquals(List.of(), Cgroups.directories(parent), "a kubelet that ran no pod leaves no " + parent);

      // one that ran a pod, deleted before the stop: the parent exists until the stop
      h.startKubelet();
      h.client().pods().resource(pod("brief", "Always", sh("main", LOOP)).build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(h, "brief"));
      List<Path> dirs = Cgroups.directories(parent);
      assertTrue(dirs.size() >= 2, "the pod's cgroups are under " + parent + " in the v1 hierarchies: " + dirs);
      h.client().pods().withName("brief").delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> h.get("brief") == null);
      h.stopKubelet();
      for (Path d : dirs) {
        assertFalse(Files.exists(d), d + " is left after the kubelet stopped with no pod");
      }
      assertEquals(List.of(), Cgroups.directories(parent));
    }
  }

  @Test
  void sigtermKeepsRunningPodsAndTheirParentCgroup() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1), false)) {
      h.startChild();
      h.client().pods().resource(pod("stays", "Always", sh("main", LOOP)).build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(h, "stays"));
      List<Integer> pids = h.containerPids();
      assertEquals(2, pids.size(), "sandbox and container run");
      List<Path> dirs = Cgroups.directories(h.config.cgroupParent());

      h.terminateChild();
      for (int pid : pids) {
        assertTrue(Files.exists(Path.of("/proc/" + pid)) && !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z"),
            "SIGTERM to the kubelet left pid " + pid + " running");
      }
      for (Path d : dirs) {
        assertTrue(Files.isDirectory(d), d + " was removed under running pods");
      }

      // a new kubelet adopts the pod; the harness then deletes it through the API
      h.startChild();
      await().atMost(Duration.ofSeconds(30)).until(() -> running(h, "stays"));
      assertTrue(h.containerPids().containsAll(pids), "adopted, not restarted");
    }
  }
}
