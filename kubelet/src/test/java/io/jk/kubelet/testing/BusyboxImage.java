package io.jk.kubelet.testing;

import io.jk.kubelet.image.OciImageService;
import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The real image service with a {@code busybox:1.36} image imported from an OCI archive built from
 * Debian's busybox-static (every applet linked), so pods run with the image present.
 */
public final class BusyboxImage {
  private BusyboxImage() {}

  /** An image service storing under {@code root/images} with busybox:1.36 imported. */
  public static OciImageService service(Path root) throws IOException, InterruptedException {
    OciImageService images = new OciImageService(root, Set.of());
    Path archive = Files.createTempFile("busybox-", ".tar");
    try {
      writeArchive(archive, "busybox:1.36");
      images.importBlocking(archive);
    } finally {
      Files.deleteIfExists(archive);
    }
    return images;
  }

  /** Writes an OCI image layout archive of the busybox image, tagged {@code reference}. */
  public static void writeArchive(Path archive, String reference) throws IOException, InterruptedException {
    LayerBuilder layer = new LayerBuilder().dir("bin", 0755).copy("bin/busybox", Path.of("/bin/busybox"), 0755);
    Process list = new ProcessBuilder("/bin/busybox", "--list").start();
    for (String applet : new String(list.getInputStream().readAllBytes()).lines().toList()) {
      if (!applet.equals("busybox")) {
        layer.symlink("bin/" + applet, "busybox");
      }
    }
    list.waitFor();
    layer.dir("tmp", 01777).dir("etc", 0755).dir("proc", 0555).dir("sys", 0555).dir("dev", 0755).dir("root", 0700)
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n", 0644);
    OciImage img = OciImage.builder().layer(layer).cmd("sh")
        .env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").build();
    img.writeOciArchive(archive, reference);
  }
}
