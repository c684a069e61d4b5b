package io.jk.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs jkctl in-process and the real kubectl as a child process, against the same kubeconfig. */
final class Cli {

  /** What a user sees: exit code, stdout, stderr. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit=" + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path kubeconfig;
  private final Path cacheDir;

  Cli(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
    try {
      this.cacheDir = Files.createTempDirectory("jkctl-test-kubectl-cache");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code jkctl --kubeconfig K args...} in this process. */
  Result jkctl(String... args) {
    return jkctlWithInput("", args);
  }

  /** The same with {@code stdin} as standard input. */
  Result jkctlWithInput(String stdin, String... args) {
    return jkctlWithEnv(Map.of(), stdin, args);
  }

  /** The same with environment variables. */
  Result jkctlWithEnv(Map<String, String> env, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("--kubeconfig", kubeconfig.toString()));
    if (!List.of(args).contains("--cache-dir")) {
      all.addAll(List.of("--cache-dir", cacheDir.resolve("jkctl").toString()));
    }
    all.addAll(List.of(args));
    int code = JkctlCommand.run(all.toArray(String[]::new), env,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** {@code kubectl --kubeconfig K --cache-dir D args...} (killed after 60 s). */
  Result kubectl(String... args) {
    return kubectlWithInput(null, args);
  }

  /** The same with {@code stdin} (null: /dev/null) as standard input. */
  Result kubectlWithInput(String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--cache-dir",
        cacheDir.toString()));
    cmd.addAll(List.of(args));
    try {
      Path outFile = Files.createTempFile(cacheDir, "out", ".txt");
      Path errFile = Files.createTempFile(cacheDir, "err", ".txt");
      java.io.File in = new java.io.File("/dev/null");
      if (stdin != null) {
        Path inFile = Files.createTempFile(cacheDir, "in", ".txt");
        Files.writeString(inFile, stdin);
        in = inFile.toFile();
      }
      Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(in)).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
      return new Result(p.exitValue(), Files.readString(outFile), Files.readString(errFile));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kubectl: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Removes kubectl's cache directory. */
  void close() {
    try (var s = Files.walk(cacheDir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
