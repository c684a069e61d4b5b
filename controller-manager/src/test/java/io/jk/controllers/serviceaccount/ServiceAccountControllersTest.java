package io.jk.controllers.serviceaccount;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.jk.controllers.Informers;
import io.jk.testing.TestApiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default ServiceAccount and the kube-root-ca.crt ConfigMap in every namespace, kept there. */
class ServiceAccountControllersTest {

  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";

  @Test
  void everyNamespaceGetsTheDefaultAccountAndTheRootCaAndGetsThemBackWhenRemovedOrChanged() {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      Informers informers = new Informers(client);
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      ServiceAccountsController accounts = new ServiceAccountsController(client, informers.of(Namespace.class),
          informers.of(ServiceAccount.class), registry, 1);
      RootCaPublisher publisher = new RootCaPublisher(client, informers.of(Namespace.class),
          informers.of(ConfigMap.class), CA, registry, 1);
      informers.startAll();
      accounts.controller().start();
      publisher.controller().start();
      try {
        Duration wait = Duration.ofSeconds(10);
        for (String ns : new String[] {"default", "kube-system", "kube-public"}) {
          await().atMost(wait).untilAsserted(() -> {
            assertNotNull(client.serviceAccounts().inNamespace(ns).withName("default").get(), ns);
            assertNotNull(client.configMaps().inNamespace(ns).withName("kube-root-ca.crt").get(), ns);
          });
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build())
            .create();
        await().atMost(wait).untilAsserted(() -> {
          assertNotNull(client.serviceAccounts().inNamespace("team").withName("default").get());
          ConfigMap cm = client.configMaps().inNamespace("team").withName("kube-root-ca.crt").get();
          assertEquals(Map.of("ca.crt", CA), cm.getData());
          assertEquals(RootCaPublisher.DESCRIPTION, cm.getMetadata().getAnnotations().get("kubernetes.io/description"));
        });

        String uid = client.serviceAccounts().inNamespace("team").withName("default").get().getMetadata().getUid();
        client.serviceAccounts().inNamespace("team").withName("default").delete();
        await().atMost(wait).untilAsserted(() -> {
          ServiceAccount again = client.serviceAccounts().inNamespace("team").withName("default").get();
          assertNotNull(again, "recreated");
          assertNotEquals(uid, again.getMetadata().getUid());
        });

        ConfigMap cm = client.configMaps().inNamespace("team").withName("kube-root-ca.crt").get();
        client.configMaps().inNamespace("team").resource(new ConfigMapBuilder(cm).withData(Map.of("ca.crt", "tampered"))
            .build()).update();
        await().atMost(wait).untilAsserted(() -> assertEquals(CA,
            client.configMaps().inNamespace("team").withName("kube-root-ca.crt").get().getData().get("ca.crt")));
        client.configMaps().inNamespace("team").withName("kube-root-ca.crt").delete();
        await().atMost(wait).untilAsserted(() -> assertNotNull(
            client.configMaps().inNamespace("team").withName("kube-root-ca.crt").get()));
        // other accounts are not this controller's business
        assertNull(client.serviceAccounts().inNamespace("team").withName("builder").get());
      } finally {
        accounts.controller().stop();
        publisher.controller().stop();
        informers.stopAll();
      }
    }
  }

  @Test
  void theCaIsTheOneTheClientTrusts() {
    String b64 = Base64.getEncoder().encodeToString(CA.getBytes(StandardCharsets.US_ASCII));
    try (KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("https://127.0.0.1:1").withCaCertData(b64).build()).build()) {
      assertEquals(CA, RootCaPublisher.caOf(c));
    }
    try (KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("http://127.0.0.1:1").build()).build()) {
      assertNull(RootCaPublisher.caOf(c), "plain HTTP: nothing to publish");
    }
  }
}
