package io.jk.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jk image import FILE}: imports an OCI image archive into this node's image store. */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Manages the images of this node.",
    subcommands = ImageCommand.Import.class)
public final class ImageCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.err.println("error: say what to do, e.g. jk image import FILE (see jk image --help)");
    return 2;
  }

  /** {@code jk image import FILE}. */
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Imports an OCI image archive (tar of an OCI image layout) into this node's image store.")
  static final class Import implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The OCI image archive.")
    Path file;

    @Override
    public Integer call() {
      if (!Files.isReadable(file)) {
        System.err.println("error: cannot read " + file);
        return 1;
      }
      System.err.println("error: the kubelet's image service is not in this build yet: cannot import " + file);
      return 1;
    }
  }
}
