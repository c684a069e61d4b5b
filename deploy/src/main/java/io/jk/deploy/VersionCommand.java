package io.jk.deploy;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code jk version}: prints the version of this build. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Prints jk's version.")
public final class VersionCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.out.println(new Version().getVersion()[0]);
    return 0;
  }
}
