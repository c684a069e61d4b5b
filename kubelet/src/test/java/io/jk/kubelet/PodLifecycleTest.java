package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods through a real kubelet, jkshim and jkrt: run, share, report, terminate, clean up. */
class PodLifecycleTest {
  static KubeletHarness h;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    h = new KubeletHarness(Duration.ofSeconds(1));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  static String condition(Pod p, String type) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return null;
    }
    return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus)
        .findFirst().orElse(null);
  }

  @Test
  void twoContainersTalkOverLocalhostAndShareAnEmptyDir() throws Exception {
    var server = sh("server", "trap 'exit 0' TERM; echo hello-from-server > /www/index.html; httpd -f -p 8080 -h /www & wait");
    server.setVolumeMounts(java.util.List.of(new VolumeMountBuilder().withName("www").withMountPath("/www").build()));
    var client = sh("client", "trap 'exit 0' TERM; while true; do wget -q -O /shared/got http://127.0.0.1:8080/index.html; sleep 0.2; done");
    client.setVolumeMounts(java.util.List.of(new VolumeMountBuilder().withName("www").withMountPath("/shared").build()));
    Pod pod = pod("web", "Always", server, client).editSpec()
        .withVolumes(new VolumeBuilder().withName("www").withNewEmptyDir().endEmptyDir().build()).endSpec().build();
    h.client().pods().resource(pod).create();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Pod p = h.get("web");
      assertEquals("Running", p.getStatus().getPhase());
      assertEquals("True", condition(p, "Ready"), () -> p.getStatus().toString());
    });
    Pod p = h.get("web");
    assertEquals("True", condition(p, "Initialized"));
    assertEquals("True", condition(p, "ContainersReady"));
    assertEquals("BestEffort", p.getStatus().getQosClass());
    assertEquals("127.0.0.1", p.getStatus().getHostIP());
    assertTrue(p.getStatus().getPodIP().startsWith("10.244.0."), p.getStatus().getPodIP());
    assertNotNull(p.getStatus().getStartTime());
    for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
      assertTrue(cs.getContainerID().startsWith("jk://"), cs.getContainerID());
      assertNotNull(cs.getState().getRunning().getStartedAt());
      assertEquals(0, cs.getRestartCount());
      assertTrue(cs.getReady());
      assertEquals("busybox:1.36", cs.getImage());
    }
    String uid = p.getMetadata().getUid();
    Path got = h.emptyDir(uid, "www").resolve("got");
    await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(got) && Files.readString(got).contains("hello-from-server"));
    assertFalse(Cgroups.directories(h.config.cgroupParent() + "/pod" + uid).isEmpty(), "the pod has its own cgroup");

    long t0 = System.nanoTime();
    h.client().pods().resource(p).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> h.get("web") == null);
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 5, "containers stop on SIGTERM, well before the grace period");
    assertFalse(Files.exists(h.root.resolve("pods").resolve(uid)), "the pod's files are removed");
    assertTrue(Cgroups.directories(h.config.cgroupParent() + "/pod" + uid).isEmpty(), "the pod's cgroups are removed");
    assertTrue(h.shimPids().isEmpty());
  }
}
