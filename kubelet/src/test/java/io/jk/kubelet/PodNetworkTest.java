package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Pods on the real CNI bridge (in a test-made node netns): pod-to-pod traffic, httpGet/tcpSocket probes on the pod IP. */
class PodNetworkTest {

  @Test
  void podsReachEachOtherAndNetworkProbesUseThePodIp() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers and network namespaces need root");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "containernetworking-plugins not installed");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1), false, null)) {
      h.useCni("10.244.7.0/24");
      h.startKubelet();
      Container web = sh("web", "trap 'exit 0' TERM; mkdir -p /www; echo served-by-web > /www/index.html; "
          + "httpd -f -p 8080 -h /www & wait");
      web.setReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/index.html").withPort(new IntOrString(8080))
          .endHttpGet().withPeriodSeconds(1).build());
      web.setLivenessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(8080)).endTcpSocket()
          .withPeriodSeconds(1).build());
      h.client().pods().resource(pod("web", "Always", web).build()).create();
      await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertEquals("True", PodLifecycleTest.condition(h.get("web"), "Ready"),
          () -> h.get("web").getStatus() + " events: " + h.client().v1().events().inNamespace("default").list().getItems()
              .stream().map(e -> e.getReason() + ": " + e.getMessage()).toList()));
      String ip = h.get("web").getStatus().getPodIP();
      assertTrue(ip.startsWith("10.244.7."), ip);

      Pod client = h.client().pods().resource(pod("client", "Never",
          sh("main", "wget -q -O - http://" + ip + ":8080/index.html")).build()).create();
      await().atMost(Duration.ofSeconds(40)).until(() -> {
        String phase = h.get("client").getStatus() == null ? null : h.get("client").getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
      });
      assertEquals("Succeeded", h.get("client").getStatus().getPhase());
      Path log = h.root.resolve("pods").resolve(client.getMetadata().getUid()).resolve("containers/main/0/container.log");
      assertTrue(Files.readString(log).contains("served-by-web"), Files.readString(log));
      assertEquals(0, h.get("web").getStatus().getContainerStatuses().get(0).getRestartCount(), "tcpSocket liveness passes");
    }
  }
}
