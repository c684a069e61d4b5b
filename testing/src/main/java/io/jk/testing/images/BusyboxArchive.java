package io.jk.testing.images;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An OCI image archive of busybox built offline from Debian's busybox-static (every applet linked),
 * the image the runtime, kubelet and jkctl tests run their containers from.
 */
public final class BusyboxArchive {
  private BusyboxArchive() {}

  /** Writes an OCI image layout archive of the busybox image, tagged {@code reference}. */
  public static void write(Path archive, String reference) throws IOException, InterruptedException {
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
