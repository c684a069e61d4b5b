package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The kubelet drives runc in jkrt's place (--container-runtime-path). */
class RuncRuntimeTest {

  @Test
  void podsRunUnderRunc() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    Path runc = Path.of("/usr/sbin/runc");
    Assumptions.assumeTrue(Files.isExecutable(runc), "runc is not installed");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1), false, runc)) {
      h.startKubelet();
      Container c = sh("main", "trap 'exit 0' TERM; touch /tmp/ready; while true; do sleep 0.1; done");
      c.setReadinessProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/ready").endExec()
          .withPeriodSeconds(1).build());
      h.client().pods().resource(pod("under-runc", "Always", c).build()).create();
      h.client().pods().resource(pod("exits", "Never", sh("main", "exit 7")).build()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> "True".equals(PodLifecycleTest.condition(h.get("under-runc"), "Ready")));
      await().atMost(Duration.ofSeconds(30)).until(() -> "Failed".equals(h.get("exits").getStatus().getPhase()));
      assertEquals(7, h.get("exits").getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode());
      String state = new String(new ProcessBuilder(runc.toString(), "--root", h.root.resolve("runtime").toString(), "list")
          .start().getInputStream().readAllBytes());
      assertTrue(state.contains("running"), state);
      long t0 = System.nanoTime();
      h.client().pods().inNamespace("default").withName("under-runc").delete();
      await().atMost(Duration.ofSeconds(15)).until(() -> h.get("under-runc") == null);
      assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 4);
    }
  }
}
