package io.jk.kubelet.container;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What a client library's in-cluster config reads, inside a real container run by a real kubelet:
 * {@code KUBERNETES_SERVICE_HOST/PORT} (and the namespace's service links) in the environment, and
 * {@code ca.crt} and {@code namespace} under {@code /var/run/secrets/kubernetes.io/serviceaccount}
 * from the {@code kube-api-access-*} volume the ServiceAccount admission adds. (The harness' API
 * server issues no tokens, so the {@code token} file is checked by the API server's tests.)
 */
class InClusterConfigTest {

  private static final String SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

  @Test
  void aContainerSeesTheApiServiceVariablesAndTheServiceAccountFiles() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1))) {
      var client = h.client();
      client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
          .withName("kube-root-ca.crt").endMetadata().withData(Map.of("ca.crt", CA)).build()).create();
      String webIp = client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata()
          .withName("web-front").endMetadata().withNewSpec().addNewPort().withName("http").withPort(80).endPort()
          .endSpec().build()).create().getSpec().getClusterIP();
      String apiIp = client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP();

      Container c = sh("app", "env > /out/env; cat " + SA_DIR + "/namespace > /out/namespace; cat " + SA_DIR
          + "/ca.crt > /out/ca.crt; touch " + SA_DIR + "/x 2> /out/write-error; echo done > /out/done; sleep 3600");
      c.setEnv(List.of(new EnvVar("WEB_FRONT_SERVICE_HOST", "mine", null),
          new EnvVar("API", "$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)", null)));
      c.setVolumeMounts(List.of(new VolumeMountBuilder().withName("out").withMountPath("/out").build(),
          new VolumeMountBuilder().withName("kube-api-access-abcde").withMountPath(SA_DIR).withReadOnly(true).build()));
      Pod pod = pod("in-cluster", "Never", c).editSpec().withServiceAccountName("default").withVolumes(
          new VolumeBuilder().withName("out").withNewEmptyDir().endEmptyDir().build(),
          new VolumeBuilder().withName("kube-api-access-abcde").withNewProjected().withDefaultMode(420)
              .addNewSource().withNewServiceAccountToken().withExpirationSeconds(3607L).withPath("token")
              .endServiceAccountToken().endSource()
              .addNewSource().withNewConfigMap().withName("kube-root-ca.crt").addNewItem().withKey("ca.crt")
              .withPath("ca.crt").endItem().endConfigMap().endSource()
              .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace").withNewFieldRef()
              .withApiVersion("v1").withFieldPath("metadata.namespace").endFieldRef().endItem().endDownwardAPI()
              .endSource().endProjected().build()).endSpec().build();
      client.pods().resource(pod).create();

      await().atMost(Duration.ofSeconds(60)).until(() -> {
        Pod p = h.get("in-cluster");
        return p != null && p.getMetadata().getUid() != null
            && Files.exists(h.emptyDir(p.getMetadata().getUid(), "out").resolve("done"));
      });
      Path out = h.emptyDir(h.get("in-cluster").getMetadata().getUid(), "out");
      Map<String, String> env = new HashMap<>();
      for (String line : Files.readAllLines(out.resolve("env"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      assertEquals(apiIp, env.get("KUBERNETES_SERVICE_HOST"));
      assertEquals("443", env.get("KUBERNETES_SERVICE_PORT"));
      assertEquals("tcp://" + apiIp + ":443", env.get("KUBERNETES_PORT"));
      assertEquals(apiIp + ":443", env.get("API"), "$(VAR) sees the service variables");
      assertEquals("mine", env.get("WEB_FRONT_SERVICE_HOST"), "the container's own env wins");
      assertEquals("80", env.get("WEB_FRONT_SERVICE_PORT_HTTP"));
      assertEquals("tcp://" + webIp + ":80", env.get("WEB_FRONT_PORT"));
      assertEquals("default", Files.readString(out.resolve("namespace")));
      assertEquals(CA, Files.readString(out.resolve("ca.crt")));
      assertFalse(Files.readString(out.resolve("write-error")).isEmpty(), "the directory is read-only");
      assertTrue(Files.readString(out.resolve("write-error")).contains("Read-only"),
          Files.readString(out.resolve("write-error")));
    }
  }
}
