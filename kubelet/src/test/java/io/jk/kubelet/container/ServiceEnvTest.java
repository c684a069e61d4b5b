package io.jk.kubelet.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kubernetes' service environment variables, as its kubelet writes them. */
class ServiceEnvTest {

  private static Service svc(String ns, String name, String ip, Object... ports) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withClusterIP(ip).endSpec();
    for (int i = 0; i < ports.length; i += 3) {
      b.editSpec().addNewPort().withName((String) ports[i]).withPort((Integer) ports[i + 1])
          .withProtocol((String) ports[i + 2]).endPort().endSpec();
    }
    return b.build();
  }

  private static final Service KUBERNETES = svc("default", "kubernetes", "10.96.0.1", "https", 443, "TCP");

  @Test
  void theKubernetesServiceGivesTheInClusterConfigVariables() {
    Map<String, String> want = new LinkedHashMap<>();
    want.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    want.put("KUBERNETES_SERVICE_PORT", "443");
    want.put("KUBERNETES_SERVICE_PORT_HTTPS", "443");
    want.put("KUBERNETES_PORT", "tcp://10.96.0.1:443");
    want.put("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443");
    want.put("KUBERNETES_PORT_443_TCP_PROTO", "tcp");
    want.put("KUBERNETES_PORT_443_TCP_PORT", "443");
    want.put("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1");
    assertEquals(want, EnvResolver.serviceEnv(List.of(KUBERNETES), "team", false));
  }

  @Test
  void theNamespaceServicesComeWithServiceLinksOnly() {
    List<Service> all = List.of(KUBERNETES, svc("team", "my-db", "10.96.0.9", "", 5432, "TCP", "metrics", 9187, "TCP"),
        svc("team", "dns", "10.96.0.10", "dns", 53, "UDP"), svc("team", "headless", "None", "", 80, "TCP"),
        svc("other", "elsewhere", "10.96.0.11", "", 80, "TCP"));
    Map<String, String> env = EnvResolver.serviceEnv(all, "team", true);
    assertEquals("10.96.0.9", env.get("MY_DB_SERVICE_HOST"));
    assertEquals("5432", env.get("MY_DB_SERVICE_PORT"), "the first port, unnamed");
    assertEquals("9187", env.get("MY_DB_SERVICE_PORT_METRICS"));
    assertEquals("tcp://10.96.0.9:5432", env.get("MY_DB_PORT"));
    assertEquals("tcp://10.96.0.9:9187", env.get("MY_DB_PORT_9187_TCP"));
    assertEquals("udp://10.96.0.10:53", env.get("DNS_PORT_53_UDP"));
    assertEquals("udp", env.get("DNS_PORT_53_UDP_PROTO"));
    assertFalse(env.keySet().stream().anyMatch(k -> k.startsWith("HEADLESS_")), "no cluster IP, no variables");
    assertFalse(env.keySet().stream().anyMatch(k -> k.startsWith("ELSEWHERE_")), "another namespace's");
    assertTrue(env.containsKey("KUBERNETES_SERVICE_HOST"));

    Map<String, String> off = EnvResolver.serviceEnv(all, "team", false);
    assertFalse(off.containsKey("MY_DB_SERVICE_HOST"));
    assertEquals("10.96.0.1", off.get("KUBERNETES_SERVICE_HOST"), "enableServiceLinks: false keeps the API server's");
  }

  @Test
  void aNamespaceServiceNamedKubernetesWinsOverTheMastersWithServiceLinks() {
    Map<String, String> env = EnvResolver.serviceEnv(List.of(KUBERNETES,
        svc("team", "kubernetes", "10.96.0.50", "", 8080, "TCP")), "team", true);
    assertEquals("10.96.0.50", env.get("KUBERNETES_SERVICE_HOST"));
  }
}
