package io.jk.controllers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code kubectl} (on PATH) against a test cluster. */
public final class Kubectl {

  private Kubectl() {}

  /** An exit code and the combined output. */
  public record Result(int exitCode, String output) {}

  /** Runs {@code kubectl --kubeconfig K --cache-dir D args...} with a 90 s limit. */
  public static Result run(Path kubeconfig, Path cacheDir, String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", cacheDir.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        return new Result(-1, new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + "\n(timed out)");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kubectl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
