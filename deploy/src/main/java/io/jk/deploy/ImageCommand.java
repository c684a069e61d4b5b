package io.jk.deploy;

import io.jk.kubelet.image.Image;
import io.jk.kubelet.image.OciImageService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jk image import FILE}: imports an image archive into this node's image store. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Manages the images of this node.",
    subcommands = {ImageCommand.Import.class, ImageCommand.ListImages.class})
public final class ImageCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.err.println("error: say what to do, e.g. jk image import FILE (see jk image --help)");
    return 2;
  }

  /** {@code jk image import FILE}. */
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Imports an OCI image layout archive or a docker save archive (tar, optionally gzipped)",
          "into this node's image store, where pods with imagePullPolicy IfNotPresent or Never find it.",
          "Safe while the kubelet runs: the store is shared through file locks and the kubelet re-reads",
          "its index, so the next pod finds the image. (Remote: POST the archive to the kubelet's",
          "/images/import as a cluster admin.)"})
  static final class Import implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The image archive.")
    Path file;

    @Option(names = "--root-dir", defaultValue = "/var/lib/jk/kubelet",
        description = "The kubelet's root directory (images live in ROOT/images). Default: ${DEFAULT-VALUE}")
    Path rootDir;

    @Override
    public Integer call() {
      if (!Files.isReadable(file)) {
        System.err.println("error: cannot read " + file);
        return 1;
      }
      System.out.println("importing " + file + " into " + rootDir.resolve("images") + " ...");
      try (OciImageService images = new OciImageService(rootDir, Set.of())) {
        List<Image> imported = images.importBlocking(file);
        for (Image image : imported) {
          System.out.printf("imported %s (%s, %.1f MB)%n", image.reference(), image.id(), image.sizeBytes() / 1e6);
        }
        return 0;
      } catch (Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }
  }

  /** {@code jk image ls}. */
  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the images of this node.")
  static final class ListImages implements Callable<Integer> {

    @Option(names = "--root-dir", defaultValue = "/var/lib/jk/kubelet",
        description = "The kubelet's root directory. Default: ${DEFAULT-VALUE}")
    Path rootDir;

    @Override
    public Integer call() {
      try (OciImageService images = new OciImageService(rootDir, Set.of())) {
        System.out.printf("%-50s %-20s %s%n", "IMAGE", "ID", "SIZE");
        for (Image image : images.list()) {
          String id = image.id().startsWith("sha256:") ? image.id().substring(7, 19) : image.id();
          System.out.printf("%-50s %-20s %.1fMB%n", image.reference(), id, image.sizeBytes() / 1e6);
        }
        return 0;
      } catch (Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
    }
  }
}
