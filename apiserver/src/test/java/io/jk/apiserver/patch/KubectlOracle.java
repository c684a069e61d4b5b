package io.jk.apiserver.patch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the installed {@code kubectl} as an oracle for Kubernetes' own apimachinery code
 * ({@code patch --local}, {@code -l} parsing), which needs no server. The kubeconfig written to
 * the working directory points at a closed loopback port, so nothing ever leaves the machine.
 * A run that does not finish in time is killed (by its own process handle) and the test aborted.
 */
public final class KubectlOracle {

  private KubectlOracle() {}

  /** Whether kubectl is on the PATH. */
  public static boolean installed() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  /** Skips the calling test unless kubectl is installed. */
  public static void assumeInstalled() {
    assumeTrue(installed(), "kubectl is not installed");
  }

  /** Writes the loopback-only kubeconfig into {@code dir}. */
  public static void writeKubeconfig(Path dir) throws Exception {
    Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\nkind: Config\n"
        + "clusters: [{name: c, cluster: {server: \"http://127.0.0.1:1\"}}]\n"
        + "contexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n");
  }

  /** The outcome of one run. */
  public record Run(int exit, String out, String err) {}

  /** Runs {@code kubectl --kubeconfig <dir>/kubeconfig args...} with output in files of dir. */
  public static Run run(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig",
        dir.resolve("kubeconfig").toString()));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      assumeTrue(false, "kubectl did not finish in 30s");
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Deletes a temporary directory tree. */
  public static void delete(Path dir) throws Exception {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
