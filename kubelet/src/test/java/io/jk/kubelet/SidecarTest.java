package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sidecar containers (init containers with {@code restartPolicy: Always}, Kubernetes 1.29+) through a real
 * kubelet and runtime: started in order without waiting for them to end, gating the next init container on
 * their startup probe, restarted when they exit, reported in initContainerStatuses, stopped after the apps.
 */
class SidecarTest {
  static KubeletHarness h;
  static Path host;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    h = new KubeletHarness(Duration.ofSeconds(1));
    host = Files.createTempDirectory(h.root, "host-");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  static Container mounted(Container c) {
    c.setVolumeMounts(List.of(new VolumeMountBuilder().withName("shared").withMountPath("/shared").build()));
    return c;
  }

  static Pod withShared(Pod pod, Path dir) {
    pod.getSpec().setVolumes(List.of(new VolumeBuilder().withName("shared").withNewHostPath().withPath(dir.toString())
        .withType("DirectoryOrCreate").endHostPath().build()));
    return pod;
  }

  static ContainerStatus initStatus(Pod p, String name) {
    return p.getStatus().getInitContainerStatuses().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  static String condition(Pod p, String type) {
    return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus)
        .findFirst().orElse(null);
  }

  @Test
  void sidecarRunsBesideTheAppRestartsOnExitAndStopsAfterTheApp() throws Exception {
    Path dir = host.resolve("beside");
    // the sidecar is up only after a second; its startup probe holds the next init container until then.
    // Its first run exits with 3 after a while: it must come back while the app keeps running.
    Container sidecar = mounted(sh("proxy", "trap 'echo proxy >> /shared/order; exit 0' TERM; sleep 1; touch /shared/proxy-up;"
        + " if [ ! -f /shared/crashed ]; then sleep 2; touch /shared/crashed; exit 3; fi;"
        + " while true; do sleep 0.1; done"));
    sidecar.setRestartPolicy("Always");
    sidecar.setStartupProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/shared/proxy-up").endExec()
        .withPeriodSeconds(1).withFailureThreshold(30).build());
    Container setup = mounted(sh("setup", "test -f /shared/proxy-up && echo ok > /shared/setup"));
    // restartPolicy Never: an app started before the sidecar was up fails the pod
    Container app = mounted(sh("app", "test -f /shared/setup || exit 1; trap 'sleep 0.5; echo app >> /shared/order; exit 0' TERM;"
        + " while true; do sleep 0.1; done"));
    Pod pod = withShared(pod("beside", "Never", app).editSpec().withInitContainers(sidecar, setup)
        .withTerminationGracePeriodSeconds(10L).endSpec().build(), dir);
    h.client().pods().resource(pod).create();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Pod p = h.get("beside");
      assertEquals("Running", p.getStatus().getPhase(), () -> p.getStatus().toString());
      assertEquals("True", condition(p, "Ready"), () -> p.getStatus().toString());
    });
    Pod p = h.get("beside");
    assertEquals("True", condition(p, "Initialized"));
    ContainerStatus setupStatus = initStatus(p, "setup");
    assertNotNull(setupStatus.getState().getTerminated(), "a regular init container ran to completion");
    assertEquals("Completed", setupStatus.getState().getTerminated().getReason());
    ContainerStatus proxy = initStatus(p, "proxy");
    assertNotNull(proxy.getState().getRunning(), "the sidecar keeps running beside the app: " + proxy);
    assertTrue(proxy.getStarted());
    assertTrue(proxy.getReady());

    // the sidecar's first run ends with 3: it is restarted although the pod's policy is Never
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Pod q = h.get("beside");
      ContainerStatus s = initStatus(q, "proxy");
      assertEquals(1, s.getRestartCount(), () -> s.toString());
      assertNotNull(s.getState().getRunning(), () -> s.toString());
      assertEquals(3, s.getLastState().getTerminated().getExitCode());
      assertEquals("Running", q.getStatus().getPhase());
      assertEquals(0, q.getStatus().getContainerStatuses().get(0).getRestartCount(), "the app was not disturbed");
    });

    h.client().pods().resource(p).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get("beside") == null);
    // the app takes half a second to stop; the sidecar got its SIGTERM only afterwards
    assertEquals(List.of("app", "proxy"), Files.readAllLines(dir.resolve("order")));
  }

  @Test
  void aNeverPodSucceedsWhenItsAppEndsAndItsSidecarIsStopped() {
    Path dir = host.resolve("job");
    Container sidecar = mounted(sh("logger", "trap 'exit 0' TERM; while true; do sleep 0.1; done"));
    sidecar.setRestartPolicy("Always");
    Container app = mounted(sh("work", "sleep 0.5; echo done > /shared/done"));
    Pod pod = withShared(pod("job", "Never", app).editSpec().withInitContainers(sidecar).endSpec().build(), dir);
    h.client().pods().resource(pod).create();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Pod p = h.get("job");
      assertEquals("Succeeded", p.getStatus().getPhase(), () -> p.getStatus().toString());
      ContainerStatus s = initStatus(p, "logger");
      assertNotNull(s.getState().getTerminated(), () -> "the sidecar was stopped with the pod: " + s);
      assertEquals(0, s.getState().getTerminated().getExitCode(), "it ended on its SIGTERM, not a SIGKILL");
      assertEquals("Completed", p.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason());
    });
    assertTrue(Files.exists(dir.resolve("done")));
    h.client().pods().inNamespace("default").withName("job").delete();
  }
}
