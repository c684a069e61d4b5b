package io.jk.kubelet.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.jk.kubelet.image.Image;
import io.jk.kubelet.image.OciImageService;
import io.jk.kubelet.testing.KubeletHarness;
import io.jk.kubelet.testing.Pods;
import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kubelet's periodic image garbage collection: with the disk above the (here 0%) threshold, an
 * image no pod uses is removed from the node's store and its layer with it, while the image of a
 * running pod stays and the pod keeps running.
 */
class KubeletImageGcTest {

  @Test
  void removesAnUnusedImageAndKeepsTheRunningPodsImage() throws Exception {
    assumeTrue(KubeletHarness.isRoot(), "containers need root");
    assumeTrue(Files.isExecutable(KubeletHarness.runtimeBin().resolve("jkshim")), "runtime binaries not built");
    try (KubeletHarness h = new KubeletHarness(Duration.ofMillis(200), false)) {
      Path archive = Files.createTempFile("unused-", ".tar");
      try {
        OciImage.builder().layer(new LayerBuilder().dir("data", 0755).file("data/unused", "not used by any pod", 0644))
            .cmd("sh").build().writeOciArchive(archive, "unused:1");
        h.images.importBlocking(archive);
      } finally {
        Files.deleteIfExists(archive);
      }
      // a store view collecting from 0% down to 0%: any usage triggers it, every unused image goes
      OciImageService images = new OciImageService(h.root, Set.of(), 0, 0);
      Image unused = images.find("unused:1").orElseThrow();
      Path unusedLayer = unused.layers().get(0);
      assertTrue(Files.isDirectory(unusedLayer));
      Kubelet kubelet = new Kubelet(h.config.withImageGc(0, 0, Duration.ofMillis(300)), h.client(),
          new Kubelet.Dependencies(images, h.rootfs, h.network, h.volumes));
      try {
        // the pod exists before the kubelet starts; pull policy Never: nothing is ever pulled from a registry
        Container main = Pods.sh("main", "trap 'exit 0' TERM; while true; do sleep 1; done");
        main.setImagePullPolicy("Never");
        h.client().pods().resource(Pods.pod("uses-busybox", "Never", main).build()).create();
        kubelet.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(h.get("uses-busybox").getStatus().getPhase()));

        await().atMost(Duration.ofSeconds(20)).until(() -> images.find("unused:1").isEmpty());
        assertTrue(!Files.exists(unusedLayer), "the unused image's layer is gone too");
        assertTrue(images.find("busybox:1.36").isPresent(), "the running pod's image stays");
        assertEquals(1, images.list().size(), images.list().toString());
        // several more collections run: the pod's image is still there and the pod still running
        await().pollDelay(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(5))
            .until(() -> images.find("busybox:1.36").isPresent() && "Running".equals(h.get("uses-busybox").getStatus().getPhase()));
        assertEquals("Running", h.get("uses-busybox").getStatus().getPhase());
        assertTrue(Files.isDirectory(images.find("busybox:1.36").orElseThrow().layers().get(0)));
      } finally {
        h.client().pods().inAnyNamespace().delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.isDirectory(h.root.resolve("pods"))
            || Files.list(h.root.resolve("pods")).findAny().isEmpty());
        kubelet.stop();
        images.close();
      }
    }
  }
}
