package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A kubelet SIGKILLed and restarted adopts its containers: nothing started twice, counts kept, deleted pods torn down. */
class KubeletRestartTest {

  static ContainerStatus status(KubeletHarness h, String pod) {
    Pod p = h.get(pod);
    return p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null
        || p.getStatus().getContainerStatuses().isEmpty() ? null : p.getStatus().getContainerStatuses().get(0);
  }

  @Test
  void aRestartedKubeletAdoptsRunningContainers() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1), false)) {
      h.startChild();
      Pod steady = h.client().pods().resource(pod("steady", "Always",
          sh("main", "trap 'exit 0' TERM; while true; do sleep 0.2; done")).build()).create();
      h.client().pods().resource(pod("crashy", "Always", sh("main", "exit 2")).build()).create();
      Pod doomed = h.client().pods().resource(pod("doomed", "Always",
          sh("main", "trap 'exit 0' TERM; while true; do sleep 0.2; done")).build()).create();
      await().atMost(Duration.ofSeconds(40)).until(() -> status(h, "steady") != null && status(h, "steady").getReady()
          && status(h, "doomed") != null && status(h, "doomed").getReady()
          && status(h, "crashy") != null && status(h, "crashy").getRestartCount() >= 2);
      String steadyId = status(h, "steady").getContainerID();
      List<Integer> before = h.containerPids();
      int crashCount = status(h, "crashy").getRestartCount();
      Path doomedDir = h.root.resolve("pods").resolve(doomed.getMetadata().getUid());
      List<Integer> doomedPids = pidsUnder(h, doomedDir);
      assertEquals(2, doomedPids.size(), "sandbox and container of the doomed pod run");

      h.killChild();
      // deleted while no kubelet runs: the API forgets it at once
      h.client().pods().resource(doomed).withGracePeriod(0).delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> h.get("doomed") == null);
      assertTrue(h.containerPids().containsAll(before), "containers outlive the kubelet");

      h.startChild();
      await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(doomedDir));
      for (int pid : doomedPids) {
        assertFalse(Files.exists(Path.of("/proc/" + pid)) && !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z"),
            "the pod deleted meanwhile is torn down");
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> status(h, "crashy").getRestartCount() > crashCount);
      ContainerStatus s = status(h, "steady");
      assertEquals(steadyId, s.getContainerID(), "the running container was adopted, not started again");
      assertEquals(0, s.getRestartCount());
      assertTrue(s.getReady());
      Path steadyDir = h.root.resolve("pods").resolve(steady.getMetadata().getUid());
      assertEquals(2, pidsUnder(h, steadyDir).size(), "one sandbox and one container, nothing started twice");
      assertTrue(h.containerPids().containsAll(pidsUnder(h, steadyDir)));
    }
  }

  private static List<Integer> pidsUnder(KubeletHarness h, Path podDir) throws Exception {
    return h.containerPids().stream().filter(pid -> {
      try (var s = Files.walk(podDir)) {
        return s.filter(f -> f.getFileName().toString().equals("started.json")).anyMatch(f -> {
          try {
            return io.jk.common.json.Json.mapper().readTree(f.toFile()).path("pid").asInt() == pid
                && !Files.exists(f.resolveSibling("exit.json"));
          } catch (Exception e) {
            return false;
          }
        });
      } catch (Exception e) {
        return false;
      }
    }).toList();
  }
}
