package io.jk.scheduler.informer;

import static io.jk.scheduler.PodBuilders.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.testing.TestApiServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeanInformerTest {

  /** Counts handler calls per pod name and kind. */
  static final class Recorder implements LeanInformer.Handler<Pod> {
    final Map<String, AtomicInteger> adds = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> deletes = new ConcurrentHashMap<>();
    final Map<String, String> lastLabel = new ConcurrentHashMap<>();

    @Override
    public void onAdd(Pod p) {
      adds.computeIfAbsent(p.getMetadata().getName(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void onUpdate(Pod old, Pod p) {
      var l = p.getMetadata().getLabels();
      lastLabel.put(p.getMetadata().getName(), l == null ? "" : l.getOrDefault("v", ""));
    }

    @Override
    public void onDelete(Pod p) {
      deletes.computeIfAbsent(p.getMetadata().getName(), k -> new AtomicInteger()).incrementAndGet();
    }
  }

  @Test
  void listsThenFollowsAddsUpdatesAndDeletesAcrossStreamsThatEnd() throws Exception {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      client.pods().inNamespace("default").resource(pod("before").build()).create();
      Recorder rec = new Recorder();
      // Streams of 1–2 s: the informer must resume from its last version without losing or
      // repeating events.
      try (LeanInformer<Pod> inf = LeanInformer.start(client, "/api/v1/pods", Pod.class, rec, 1)) {
        assertEquals(1, rec.adds.get("before").get(), "the listed pod is added");
        for (int i = 0; i < 6; i++) {
          client.pods().inNamespace("default").resource(pod("p" + i).build()).create();
          if (i == 2) {
            await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> true); // let a stream end in between
          }
        }
        client.pods().inNamespace("default").withName("p1")
            .edit(p -> { p.getMetadata().getLabels().put("v", "2"); return p; });
        client.pods().inNamespace("default").withName("p2").withGracePeriod(0).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.adds.size() == 7
            && "2".equals(rec.lastLabel.get("p1")) && rec.deletes.containsKey("p2"));
        for (var e : rec.adds.entrySet()) {
          assertEquals(1, e.getValue().get(), e.getKey() + " added exactly once");
        }
        assertEquals(6, inf.list().size());
        assertNull(inf.get("default", "p2"));
        assertEquals("2", inf.get("default", "p1").getMetadata().getLabels().get("v"));
        assertFalse(client.pods().inNamespace("default").withName("p1").get().getMetadata()
            .getManagedFields().isEmpty(), "the server records managed fields");
        var kept = inf.get("default", "p1").getMetadata().getManagedFields();
        assertTrue(kept == null || kept.isEmpty(), "the informer leaves managed fields out");
      }
    }
  }

  @Test
  void propertiesTheConsumerNeverReadsAreLeftOut() throws Exception {
    try (TestApiServer api = TestApiServer.start()) {
      KubernetesClient client = api.client();
      client.pods().inNamespace("default").resource(pod("p").label("app", "web").build()).create();
      try (LeanInformer<Pod> inf = LeanInformer.start(client, "/api/v1/pods", Pod.class,
          new Recorder(), java.util.Map.of(io.fabric8.kubernetes.api.model.PodSpec.class,
              java.util.Set.of("containers")))) {
        Pod got = inf.get("default", "p");
        assertTrue(got.getSpec().getContainers().isEmpty(), "containers left out");
        assertEquals("web", got.getMetadata().getLabels().get("app"), "the rest is read");
        assertFalse(client.pods().inNamespace("default").withName("p").get().getSpec()
            .getContainers().isEmpty());
      }
    }
  }

  @Test
  void linesAreCutAtNewlinesAcrossBufferBoundaries() {
    List<String> got = new ArrayList<>();
    LineSplitter s = new LineSplitter(b -> got.add(new String(b, StandardCharsets.UTF_8)));
    s.feed(ByteBuffer.wrap("{\"a\":1}\n{\"b\":".getBytes(StandardCharsets.UTF_8)));
    s.feed(ByteBuffer.wrap("\"é\"}".getBytes(StandardCharsets.UTF_8)));
    s.feed(ByteBuffer.wrap("\n\n{\"c\":3}\n".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
    assertEquals(List.of("{\"a\":1}", "{\"b\":\"é\"}", "{\"c\":3}"), got);
  }
}
