package io.jk.kubelet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mounts real overlayfs root file systems over imported image layers (root only). */
class OverlayRootfsManagerTest {

  @TempDir Path root;
  private final OverlayRootfsManager rootfs = new OverlayRootfsManager();
  private final List<Path[]> mounted = new ArrayList<>();

  @AfterEach
  void unmountAll() {
    mounted.forEach(m -> rootfs.unmount(m[0], m[1]));
  }

  private Image importImage(OciImageService images, OciImage img, String name) throws Exception {
    Path archive = root.resolve(name.replaceAll("[^a-z0-9]", "_") + ".tar");
    img.writeOciArchive(archive, name);
    return images.importBlocking(archive).get(0);
  }

  @Test
  void writesStayInTheContainersUpperDirAndWhiteoutsHideLowerFiles() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting overlayfs needs root");
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Image image = importImage(images, OciImageServiceTest.twoLayerImage("hi"), "lab.local/two:1");
      Path containerDir = root.resolve("containers/c1");
      Path target = containerDir.resolve("rootfs");
      rootfs.mount(image, containerDir, target);
      mounted.add(new Path[] {containerDir, target});

      assertTrue(OverlayRootfsManager.isMountPoint(target));
      assertEquals("hi", Files.readString(target.resolve("etc/greeting")));
      assertEquals("new", Files.readString(target.resolve("etc/new")));
      assertFalse(Files.exists(target.resolve("etc/old")), "whited-out file is hidden");
      assertFalse(Files.exists(target.resolve("data/a")), "opaque dir hides the lower layer's files");
      assertTrue(Files.exists(target.resolve("data/b")));

      Files.writeString(target.resolve("etc/greeting"), "changed");
      Files.writeString(target.resolve("written"), "w");
      assertEquals("changed", Files.readString(containerDir.resolve("upper/etc/greeting")));
      assertTrue(Files.exists(containerDir.resolve("upper/written")));
      assertEquals("hi", Files.readString(image.layers().get(0).resolve("etc/greeting")), "the shared layer is untouched");

      // a second container over the same layers sees the image, not the first one's writes
      Path c2 = root.resolve("containers/c2");
      rootfs.mount(image, c2, c2.resolve("rootfs"));
      mounted.add(new Path[] {c2, c2.resolve("rootfs")});
      assertEquals("hi", Files.readString(c2.resolve("rootfs/etc/greeting")));
      assertFalse(Files.exists(c2.resolve("rootfs/written")));

      rootfs.unmount(containerDir, target);
      assertFalse(OverlayRootfsManager.isMountPoint(target));
      assertFalse(Files.exists(containerDir.resolve("upper")));
      rootfs.unmount(containerDir, target); // idempotent
    }
  }

  @Test
  void manyLayersFitInOneMount() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting overlayfs needs root");
    OciImage.Builder b = OciImage.builder();
    for (int i = 0; i < 70; i++) {
      b.layer(new LayerBuilder().file("f" + i, "layer " + i, 0644).file("top", "layer " + i, 0644));
    }
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Image image = importImage(images, b.build(), "lab.local/many:1");
      Path dir = root.resolve("containers/many");
      rootfs.mount(image, dir, dir.resolve("rootfs"));
      mounted.add(new Path[] {dir, dir.resolve("rootfs")});
      assertEquals("layer 0", Files.readString(dir.resolve("rootfs/f0")));
      assertEquals("layer 69", Files.readString(dir.resolve("rootfs/top")), "the last layer is on top");
    }
  }
}
