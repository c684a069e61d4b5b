package io.jk.controllers.history;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.testing.TestApiServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Own writes laid over a real informer's cache, and dropped once it has seen them or they expire. */
class RecentWritesTest {

  private static ConfigMap configMap(String name) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata().build();
  }

  private static List<String> names(List<ConfigMap> list) {
    return list.stream().map(c -> c.getMetadata().getName()).sorted().toList();
  }

  @Test
  void writesShowUntilTheInformerHasSeenThemOrTheyExpire() {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      ConfigMap kept = client.configMaps().inNamespace("default").resource(configMap("kept")).create();
      SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("default").runnableInformer(0);
      informer.start().toCompletableFuture().join();
      AtomicLong now = new AtomicLong();
      RecentWrites<ConfigMap> writes = new RecentWrites<>(informer, now::get);

      ConfigMap added = client.configMaps().inNamespace("default").resource(configMap("added")).create();
      writes.written(added);
      client.configMaps().inNamespace("default").withName("kept").delete();
      writes.deleted(kept);
      // Whatever the informer has seen by now, the view is the server's.
      assertEquals(List.of("added"), names(writes.inNamespace("default")));
      assertEquals(List.of(), names(writes.inNamespace("other")));

      // Once the informer has caught up, the entries go and the cache alone says the same.
      await().atMost(Duration.ofSeconds(10)).until(() -> names(informer.getStore().list()).equals(List.of("added")));
      assertEquals(List.of("added"), names(writes.inNamespace("default")));
      assertEquals(0, writes.pending());

      // A stopped informer never catches up: a write shows until it expires, then the cache wins.
      informer.stop();
      writes.written(client.configMaps().inNamespace("default").resource(configMap("late")).create());
      assertEquals(List.of("added", "late"), names(writes.inNamespace("default")));
      now.addAndGet(RecentWrites.TTL_NANOS + 1);
      assertEquals(List.of("added"), names(writes.inNamespace("default")));
      assertEquals(0, writes.pending());
    }
  }
}
