package io.jk.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a kubectl-like command line against one kubeconfig: the real {@code kubectl} (from PATH,
 * with its own cache dir) or jk's {@code jkctl} (the distribution's {@code bin/jkctl}, else its main
 * class on this test's class path).
 */
final class Kubectl {
  /** What one run printed and how it ended. */
  record Result(int exit, String out) {
    /** The output, or an error with the output when the command failed. */
    String ok() {
      if (exit != 0) {
        throw new AssertionError("exited " + exit + ": " + out);
      }
      return out;
    }
  }

  private final List<String> prefix;

  private Kubectl(List<String> prefix) {
    this.prefix = prefix;
  }

  /** The real kubectl. */
  Kubectl(Path kubeconfig, Path cacheDir) {
    this(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir", cacheDir.toString(),
        "--request-timeout", "30s"));
  }

  /** jk's jkctl: {@code deploy/target/jk/bin/jkctl} when the distribution is built, else its main class. */
  static Kubectl jkctl(Path kubeconfig) {
    Path bin = Path.of("../deploy/target/jk/bin/jkctl").toAbsolutePath().normalize();
    if (Files.isExecutable(bin)) {
      return new Kubectl(List.of(bin.toString(), "--kubeconfig", kubeconfig.toString()));
    }
    return new Kubectl(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Dvertx.disableFileCPResolving=true", "-cp", System.getProperty("java.class.path"), "io.jk.cli.JkctlCommand",
        "--kubeconfig", kubeconfig.toString()));
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

  /** Runs the command with {@code args...} and {@code stdin} (may be null), waiting at most 150 s. */
  Result run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // jkctl runs in its own JVM here: a warm daemon would outlive the test (the cli module tests the daemon)
    pb.environment().put("JKCTL_DAEMON", "0");
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    // the output is small; reading it to the end also waits for the command to exit
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", args) + " did not finish in 150s");
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs the command with {@code args...}; fails the test when it exits non-zero. */
  String ok(String... args) throws IOException, InterruptedException {
    return run(null, args).ok();
  }

  /** {@code exec POD -- timeout 5 wget -qO- URL}: the page, or the error wget printed. */
  Result fetchFrom(String pod, String url) throws IOException, InterruptedException {
    return run(null, "exec", pod, "--", "timeout", "5", "wget", "-qO-", url);
  }
}
