package io.jk.kubelet.testing;

import io.jk.kubelet.image.Image;
import io.jk.kubelet.image.OciImageService;
import java.nio.file.Path;
import java.util.Set;

/**
 * What {@code jk image import FILE} does, as a separate process: imports an archive into the image
 * store under a kubelet root dir. Args: ROOT ARCHIVE. Prints each imported reference.
 */
public final class ImportMain {
  private ImportMain() {}

  public static void main(String[] args) {
    try (OciImageService images = new OciImageService(Path.of(args[0]), Set.of())) {
      for (Image image : images.importBlocking(Path.of(args[1]))) {
        System.out.println(image.reference());
      }
    }
  }
}
