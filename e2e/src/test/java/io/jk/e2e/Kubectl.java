package io.jk.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code kubectl} (from PATH) against one kubeconfig, with its own cache dir. */
final class Kubectl {
  /** What one run printed and how it ended. */
  record Result(int exit, String out) {
    /** The output, or an error with the output when the command failed. */
    String ok() {
      if (exit != 0) {
        throw new AssertionError("kubectl exited " + exit + ": " + out);
      }
      return out;
    }
  }

  private final Path kubeconfig;
  private final Path cacheDir;

  Kubectl(Path kubeconfig, Path cacheDir) {
    this.kubeconfig = kubeconfig;
    this.cacheDir = cacheDir;
  }

  /** True when a kubectl binary is on PATH. */
  static boolean available() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Path.of(d, "kubectl").toFile().canExecute()) {
        return true;
      }
    }
    return false;
  }

  /** Runs {@code kubectl args...} with {@code stdin} (may be null), waiting at most 60 s. */
  Result run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", cacheDir.toString(), "--request-timeout", "30s"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    // kubectl's output is small; reading it to the end also waits for it to exit
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("kubectl " + String.join(" ", args) + " did not finish in 60s");
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs {@code kubectl args...}; fails the test when it exits non-zero. */
  String ok(String... args) throws IOException, InterruptedException {
    return run(null, args).ok();
  }

  /** {@code kubectl exec POD -- timeout 5 wget -qO- URL}: the page, or the error wget printed. */
  Result fetchFrom(String pod, String url) throws IOException, InterruptedException {
    return run(null, "exec", pod, "--", "timeout", "5", "wget", "-qO-", url);
  }
}
