package io.jk.scheduler.hollow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.testing.TestApiServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RawApiTest {

  @Test
  void writesBeyondTheLimitWaitAndAWaitingWriteToTheSameObjectIsReplacedByTheNewest()
      throws Exception {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      for (String n : List.of("a", "b")) {
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
            .withNewMetadata().withName(n).endMetadata().addToData("v", "0").build()).create();
      }
      RawApi raw = new RawApi(client, 1);
      List<CompletableFuture<Integer>> results = new ArrayList<>();
      String a = "/api/v1/namespaces/default/configmaps/a";
      String b = "/api/v1/namespaces/default/configmaps/b";
      // One slot: the first write goes out, the others wait; a's later writes collapse into one.
      results.add(raw.mergePatch(a, "{\"data\":{\"v\":\"1\"}}"));
      results.add(raw.mergePatch(b, "{\"data\":{\"v\":\"1\"}}"));
      results.add(raw.mergePatch(a, "{\"data\":{\"v\":\"2\"}}"));
      results.add(raw.mergePatch(a, "{\"data\":{\"v\":\"3\"}}"));
      for (var r : results) {
        assertEquals(200, r.get(10, TimeUnit.SECONDS));
      }
      assertEquals(0, raw.waiting());
      assertEquals("3", client.configMaps().inNamespace("default").withName("a").get()
          .getData().get("v"), "the newest write wins");
      assertEquals("1", client.configMaps().inNamespace("default").withName("b").get()
          .getData().get("v"));
      raw.close();
      assertEquals(0, raw.mergePatch(a, "{}").get(1, TimeUnit.SECONDS), "closed: dropped");
    }
  }
}
