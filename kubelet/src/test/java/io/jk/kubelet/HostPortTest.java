package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code hostPort} through jk's {@code table ip jk-hostport}, on the real CNI bridge in a node network
 * namespace the test makes, with a second namespace standing for another node on a veth link: the pod's
 * port answers on the node's address from the node itself and from the other node, and the rules and
 * table go with the pod. Traffic stays inside the test's namespaces.
 */
class HostPortTest {
  static final String NODE_IP = "192.168.77.1";

  record Out(int code, String text) {}

  static Out run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return new Out(p.exitValue(), out);
  }

  static void must(String... cmd) throws Exception {
    Out o = run(cmd);
    assertEquals(0, o.code(), () -> String.join(" ", cmd) + ": " + o.text());
  }

  /** GET / on the node's address and host port from inside {@code netns} (busybox nc: its wget crashes outside a container). */
  static Out fetch(String netns) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", netns, "/bin/busybox", "nc", "-w", "2", NODE_IP, "18080")
        .redirectErrorStream(true).start();
    p.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes());
    p.getOutputStream().flush();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return new Out(p.exitValue(), out);
  }

  @Test
  void aHostPortAnswersOnTheNodesAddressFromTheNodeAndFromAnotherNode() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers and network namespaces need root");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "containernetworking-plugins not installed");
    String other = "jkt-other-" + UUID.randomUUID().toString().substring(0, 6);
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1), false, null)) {
      h.useCni("10.244.9.0/24");
      String node = h.nodeNetns();
      must("ip", "netns", "add", other);
      try {
        // the node's own address on a link to "another node"; the node forwards to its pods
        must("ip", "netns", "exec", node, "ip", "link", "add", "jkn0", "type", "veth", "peer", "name", "jko0", "netns", other);
        must("ip", "netns", "exec", node, "ip", "addr", "add", NODE_IP + "/24", "dev", "jkn0");
        must("ip", "netns", "exec", node, "ip", "link", "set", "jkn0", "up");
        must("ip", "netns", "exec", node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        must("ip", "netns", "exec", other, "ip", "addr", "add", "192.168.77.2/24", "dev", "jko0");
        must("ip", "netns", "exec", other, "ip", "link", "set", "jko0", "up");
        must("ip", "netns", "exec", other, "ip", "link", "set", "lo", "up");
        h.startKubelet();

        Container web = sh("web", "trap 'exit 0' TERM; mkdir -p /www; echo served-through-host-port > /www/index.html; "
            + "httpd -f -p 8080 -h /www & wait");
        web.setPorts(List.of(new ContainerPortBuilder().withContainerPort(8080).withHostPort(18080).build()));
        web.setReadinessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(8080)).endTcpSocket()
            .withPeriodSeconds(1).build());
        h.client().pods().resource(pod("web", "Always", web).build()).create();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
            assertEquals("True", PodLifecycleTest.condition(h.get("web"), "Ready"), () -> String.valueOf(h.get("web").getStatus())));
        Pod pod = h.get("web");

        Out rules = run("ip", "netns", "exec", node, "nft", "list", "table", "ip", "jk-hostport");
        assertTrue(rules.text().contains("tcp dport 18080 dnat to " + pod.getStatus().getPodIP() + ":8080"), rules.text());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertTrue(fetch(node).text().contains("served-through-host-port"), "from the node itself"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertTrue(fetch(other).text().contains("served-through-host-port"), "from another node"));

        h.client().pods().resource(pod).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> h.get("web") == null);
        assertNotEquals(0, run("ip", "netns", "exec", node, "nft", "list", "table", "ip", "jk-hostport").code(),
            "the table goes with the last host port");
        Out after = fetch(other);
        assertTrue(!after.text().contains("served-through-host-port"), () -> "nothing answers once the pod is gone: " + after);
      } finally {
        run("ip", "netns", "delete", other);
      }
    }
  }
}
