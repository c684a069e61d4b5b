package io.jk.kubelet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Runs a host command for a test fixture, failing with its output. */
final class Commands {
  private Commands() {}

  static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new UncheckedIOException(new IOException(String.join(" ", cmd) + ": " + out.strip()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
