package io.jk.kubelet.testing;

import io.jk.kubelet.image.OciImageService;
import io.jk.testing.images.BusyboxArchive;
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
    BusyboxArchive.write(archive, reference);
  }
}
