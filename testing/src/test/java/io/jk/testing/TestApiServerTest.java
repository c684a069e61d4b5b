package io.jk.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TestApiServerTest {

  @Test
  void fabric8ClientCreatesReadsWatchesAndInformsAndCloseRemovesTheFiles() throws Exception {
    Path dir;
    try (TestApiServer api = TestApiServer.start()) {
      dir = api.dir();
      KubernetesClient c = api.client();
      assertTrue(Files.readString(api.kubeconfig()).contains(api.url()));
      assertNotNull(c.namespaces().withName("kube-system").get());
      assertEquals("10.96.0.1", c.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP());

      List<String> events = new CopyOnWriteArrayList<>();
      SharedIndexInformer<Pod> informer = c.pods().inNamespace("default").inform(new ResourceEventHandler<>() {
        @Override
        public void onAdd(Pod p) {
          events.add("add " + p.getMetadata().getName());
        }

        @Override
        public void onUpdate(Pod o, Pod n) {
          events.add("update " + n.getMetadata().getName());
        }

        @Override
        public void onDelete(Pod p, boolean unknown) {
          events.add("delete " + p.getMetadata().getName());
        }
      });
      Pod pod = c.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("p1")
          .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox")
          .endContainer().endSpec().build()).create();
      assertNotNull(pod.getMetadata().getUid());
      c.pods().inNamespace("default").withName("p1").edit(p -> new PodBuilder(p).editMetadata()
          .addToLabels("tier", "a").endMetadata().build());
      // never scheduled, so deleted at once
      c.pods().inNamespace("default").withName("p1").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("delete p1"));
      assertEquals(List.of("add p1", "update p1", "delete p1"), events.stream().distinct().toList());
      informer.close();

      ConfigMap cm = c.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
          .withName("cfg").endMetadata().addToData("a", "1").build()).create();
      ConfigMap stale = new ConfigMapBuilder(cm).addToData("b", "2").build();
      c.configMaps().inNamespace("default").resource(new ConfigMapBuilder(cm).addToData("a", "2").build()).update();
      KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
          () -> c.configMaps().inNamespace("default").resource(stale).update());
      assertEquals(409, conflict.getCode());

      Deployment d = c.apps().deployments().inNamespace("default").resource(new DeploymentBuilder().withNewMetadata()
          .withName("web").endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web")
          .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
          .addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().endTemplate().endSpec().build())
          .create();
      c.apps().deployments().inNamespace("default").withName("web").scale(3);
      assertEquals(3, c.apps().deployments().inNamespace("default").withName("web").get().getSpec().getReplicas());
      assertEquals(2L, c.apps().deployments().inNamespace("default").withName("web").get().getMetadata().getGeneration());
      assertEquals(d.getMetadata().getUid(),
          c.apps().deployments().inNamespace("default").withName("web").get().getMetadata().getUid());

      List<String> watched = new CopyOnWriteArrayList<>();
      try (var w = c.configMaps().inNamespace("default").withLabel("app", "x").watch(new Watcher<ConfigMap>() {
        @Override
        public void eventReceived(Action action, ConfigMap resource) {
          watched.add(action + " " + resource.getMetadata().getName());
        }

        @Override
        public void onClose(WatcherException cause) {}
      })) {
        c.configMaps().inNamespace("default").withName("cfg").edit(m -> new ConfigMapBuilder(m).editMetadata()
            .addToLabels("app", "x").endMetadata().build());
        c.configMaps().inNamespace("default").withName("cfg").edit(m -> new ConfigMapBuilder(m).editMetadata()
            .withLabels(Map.of()).endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> watched.size() >= 2);
        assertEquals(List.of("ADDED cfg", "DELETED cfg"), watched);
      }
    }
    assertFalse(Files.exists(dir));
  }
}
