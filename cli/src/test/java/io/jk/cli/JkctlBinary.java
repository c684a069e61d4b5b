package io.jk.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The built {@code jkctl} C client ({@code cli/target/bin/jkctl}) run as a user runs it, as a
 * child process with an environment of its own: a private {@code HOME} and
 * {@code XDG_RUNTIME_DIR} (so its daemon lives in this fixture's temporary directory, never in
 * the real user's), and {@code JKCTL_JVM} pointing at a launcher of this test's class path (the
 * JVM the client falls back to, and the daemon it starts).
 *
 * <p>{@link #close()} ends every daemon the fixture knows of by its pid and removes the
 * temporary directory.
 */
final class JkctlBinary implements AutoCloseable {

  private static final Pattern SERVED = Pattern.compile("(?m)^jkctl: daemon: served by pid (\\d+)\n");
  private static final Pattern DEBUG = Pattern.compile("(?m)^jkctl: daemon: .*\n");

  /** What a user sees, and which daemon (if any) answered. */
  record Result(int exitCode, String out, String err, String debug, long servedBy) {
    /** Served by a daemon (not by a JVM of its own). */
    boolean byDaemon() {
      return servedBy > 0;
    }

    @Override
    public String toString() {
      return "exit=" + exitCode + " servedBy=" + servedBy + "\n--- stdout\n" + out + "--- stderr\n" + err
          + "--- client debug\n" + debug;
    }
  }

  final Path root;
  final Path xdg;
  final Path home;
  final Path work;
  final Path launcher;
  private final Path binary;
  private final Map<String, String> baseEnv = new HashMap<>();
  private final List<Long> pids = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  JkctlBinary(Path kubeconfig) throws IOException {
    binary = Path.of(System.getProperty("jkctl.bin", "target/bin/jkctl")).toAbsolutePath();
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("no jkctl binary at " + binary + " (mvn compile builds it)");
    }
    root = Files.createTempDirectory("jkctl-daemon-test");
    xdg = Files.createDirectories(root.resolve("xdg"));
    Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
    home = Files.createDirectories(root.resolve("home"));
    work = Files.createDirectories(root.resolve("work"));
    launcher = launcher(root.resolve("jvm"), null);
    baseEnv.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    baseEnv.put("HOME", home.toString());
    baseEnv.put("XDG_RUNTIME_DIR", xdg.toString());
    baseEnv.put("JKCTL_JVM", launcher.toString());
    baseEnv.put("KUBECONFIG", kubeconfig.toString());
    baseEnv.put("JKCTL_DAEMON_DEBUG", "1");
  }

  /**
   * A script that runs jkctl's main on this JVM's class path; with {@code buildId}, a class path
   * whose {@code build-id} resource says so (a daemon "of another build").
   */
  Path launcher(Path script, String buildId) throws IOException {
    String cp = System.getProperty("java.class.path");
    if (buildId != null) {
      Path res = Files.createDirectories(root.resolve("build-" + buildId).resolve("io/jk/cli/daemon"));
      Files.writeString(res.resolve("build-id"), buildId + "\n");
      cp = root.resolve("build-" + buildId) + ":" + cp;
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Dvertx.disableFileCPResolving=true "
        + "-cp '" + cp + "' io.jk.cli.JkctlCommand \"$@\"\n");
    script.toFile().setExecutable(true);
    return script;
  }

  /** The daemon's directory. */
  Path daemonDir() {
    return xdg.resolve("jkctl");
  }

  /** {@code jkctl args...} in {@link #work}. */
  Result run(String... args) {
    return run(Map.of(), null, work, args);
  }

  /** {@code jkctl args...} with extra environment, stdin (null: none) and working directory. */
  Result run(Map<String, String> env, String stdin, Path cwd, String... args) {
    try {
      Process p = start(env, cwd, args);
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      return finish(p);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage(), e);
    }
  }

  /** Starts {@code jkctl args...}; the caller writes its stdin and calls {@link #finish}. */
  Process start(Map<String, String> env, Path cwd, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(binary.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().putAll(baseEnv);
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    return pb.start();
  }

  /** Waits (60 s at most) for a started jkctl and reads what it printed. */
  Result finish(Process p) throws IOException {
    var out = new java.util.concurrent.CompletableFuture<byte[]>();
    Thread t = new Thread(() -> {
      try {
        out.complete(p.getInputStream().readAllBytes());
      } catch (IOException e) {
        out.completeExceptionally(e);
      }
    });
    t.start();
    byte[] err = p.getErrorStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("jkctl did not end in 60 s");
      }
      String stderr = new String(err, StandardCharsets.UTF_8);
      Matcher m = SERVED.matcher(stderr);
      long served = m.find() ? Long.parseLong(m.group(1)) : 0;
      String debug = String.join("", DEBUG.matcher(stderr).results().map(java.util.regex.MatchResult::group).toList());
      return new Result(p.exitValue(), new String(out.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8),
          DEBUG.matcher(stderr).replaceAll(""), debug, served);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code jkctl WORDS} on a pseudo-terminal (through script(1)): what it printed there, stdout
   * and stderr together, line ends as the terminal shows them.
   */
  String onTerminal(Map<String, String> env, String words) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("script", "-qec", binary + " " + words, "/dev/null")
        .directory(work.toFile()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
            new java.io.File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(baseEnv);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("script did not end in 60 s");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /** The same command through a JVM of its own ({@code JKCTL_DAEMON=0}). */
  Result runWithoutDaemon(Map<String, String> env, String stdin, Path cwd, String... args) {
    Map<String, String> e = new HashMap<>(env);
    e.put("JKCTL_DAEMON", "0");
    return run(e, stdin, cwd, args);
  }

  /**
   * Starts a daemon as a child of this test ({@code jkctl daemon run} through {@code jvm}) and
   * waits until it answers; returns its pid.
   */
  long startDaemon(Path jvm, String... flags) throws IOException {
    Files.createDirectories(daemonDir());
    Files.setPosixFilePermissions(daemonDir(), PosixFilePermissions.fromString("rwx------"));
    List<String> cmd = new ArrayList<>(List.of(jvm.toString(), "daemon", "run", "--dir", daemonDir().toString()));
    cmd.addAll(List.of(flags));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("daemon-" + processes.size() + ".log").toFile()));
    pb.environment().putAll(baseEnv);
    Process p = pb.start();
    processes.add(p);
    pids.add(p.pid());
    await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive() || status().exitCode() == 0);
    if (!p.isAlive()) {
      throw new IllegalStateException("the daemon ended at once: " + Files.readString(root.resolve(
          "daemon-" + (processes.size() - 1) + ".log")));
    }
    return p.pid();
  }

  /** {@code jkctl daemon status}. */
  Result status() {
    return run("daemon", "status");
  }

  /** The pid {@code jkctl daemon status} reports, if a daemon runs. */
  Optional<Long> daemonPid() {
    Matcher m = Pattern.compile("pid (\\d+)").matcher(status().out());
    return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
  }

  /** Remembers a daemon the client started, so that {@link #close()} ends it. */
  void track(long pid) {
    pids.add(pid);
  }

  @Override
  public void close() {
    daemonPid().ifPresent(pids::add);
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(h -> {
        h.destroy();
        try {
          h.onExit().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
          h.destroyForcibly();
        }
      });
    }
    for (Process p : processes) {
      try {
        p.waitFor(15, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
