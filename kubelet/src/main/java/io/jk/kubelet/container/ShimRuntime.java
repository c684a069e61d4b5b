package io.jk.kubelet.container;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs containers through {@code jkshim} (one shim per container, outliving the kubelet) and the
 * OCI runtime's command line ({@code kill}, {@code exec}, {@code delete}); reads their state back
 * from the files the shim writes into the bundle. Every method blocks: call from worker threads.
 */
public final class ShimRuntime {
  private final Path shim;
  private final Path runtime;
  private final Path runtimeRoot;
  private ExitWatcher exitWatcher;

  /**
   * @param shim the {@code jkshim} binary
   * @param runtime the OCI runtime binary ({@code jkrt} or {@code runc})
   * @param runtimeRoot the runtime's {@code --root} state directory
   */
  public ShimRuntime(Path shim, Path runtime, Path runtimeRoot) {
    this.shim = shim;
    this.runtime = runtime;
    this.runtimeRoot = runtimeRoot;
  }

  public Path runtimePath() {
    return runtime;
  }

  public Path runtimeRoot() {
    return runtimeRoot;
  }

  /**
   * Creates and starts the container of {@code bundle} (which holds {@code config.json}) under a new
   * shim that logs to {@code bundle/container.log}.
   *
   * @return the container's host pid
   * @throws RuntimeFailure with the runtime's error when it does not start
   */
  public int start(String id, Path bundle) {
    try {
      Files.createDirectories(runtimeRoot);
      Files.deleteIfExists(bundle.resolve("exit.json"));
      List<String> cmd = new ArrayList<>(List.of(shim.toString(), "--id", id, "--bundle", bundle.toString(),
          "--log", logFile(bundle).toString(), "--exit-file", bundle.resolve("exit.json").toString(),
          "--runtime", runtime.toString(), "--root", runtimeRoot.toString()));
      cmd.addAll(stdioArgs(bundle));
      Result r = runSmall(cmd, Duration.ofSeconds(60));
      if (r.code != 0) {
        throw new RuntimeFailure(errorText(r.out));
      }
      return recordStarted(bundle, r.out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code started.json} from the shim's answer; returns the container's pid. */
  private static int recordStarted(Path bundle, String shimAnswer) throws IOException {
    JsonNode started = Json.mapper().readTree(shimAnswer);
    int pid = started.path("containerPid").asInt();
    if (pid <= 0) {
      throw new RuntimeFailure("the shim reported no container pid: " + shimAnswer.strip());
    }
    Files.writeString(bundle.resolve("started.json"), Json.mapper().createObjectNode()
        .put("startedAt", Instant.now().toString()).put("pid", pid)
        .put("shimPid", started.path("shimPid").asInt()).toString());
    return pid;
  }

  /**
   * Creates the container of {@code bundle} under a new shim without running its process: the caller
   * readies what the process needs (its pod's network), then {@link Created#start()}s it, or
   * {@link Created#cancel()}s (as does the kubelet's exit: the shim then removes the container).
   *
   * @throws RuntimeFailure with the runtime's error when it cannot be created
   */
  public Created create(String id, Path bundle) {
    Process p;
    try {
      Files.createDirectories(runtimeRoot);
      Files.deleteIfExists(bundle.resolve("exit.json"));
      List<String> cmd = new ArrayList<>(List.of(shim.toString(), "--id", id, "--bundle", bundle.toString(), "--log",
          logFile(bundle).toString(), "--exit-file", bundle.resolve("exit.json").toString(), "--runtime", runtime.toString(),
          "--root", runtimeRoot.toString(), "--start-gate", "stdin"));
      cmd.addAll(stdioArgs(bundle));
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // a shim that hangs must not hold the pod's worker: its end closes the output read below
    java.util.concurrent.CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(() -> {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    });
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    try {
      String first = out.readLine();
      if (first == null || !first.startsWith("{\"created\"")) {
        String rest = readRest(out);
        p.waitFor(10, TimeUnit.SECONDS);
        throw new RuntimeFailure(errorText((first == null ? "" : first + "\n") + rest));
      }
      return new Created(bundle, p, out, Json.mapper().readTree(first).path("containerPid").asInt());
    } catch (IOException e) {
      p.destroyForcibly();
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new RuntimeFailure("interrupted");
    }
  }

  private static String readRest(java.io.BufferedReader out) throws IOException {
    StringBuilder b = new StringBuilder();
    char[] buf = new char[4096];
    for (int n; (n = out.read(buf)) > 0 && b.length() < 1 << 16; ) {
      b.append(buf, 0, n);
    }
    return b.toString();
  }

  /** A container its shim created and holds before its process runs ({@link #create}). */
  public static final class Created {
    private final Path bundle;
    private final Process shim;
    private final java.io.BufferedReader out;
    private final int containerPid;

    private Created(Path bundle, Process shim, java.io.BufferedReader out, int containerPid) {
      this.bundle = bundle;
      this.shim = shim;
      this.out = out;
      this.containerPid = containerPid;
    }

    /** The pid of the container's (not yet running) process. */
    public int containerPid() {
      return containerPid;
    }

    /**
     * Runs the container's process; returns its pid once it runs.
     *
     * @throws RuntimeFailure with the runtime's error when it does not start
     */
    public int start() {
      try {
        try (var in = shim.getOutputStream()) {
          in.write('g');
        } catch (IOException e) {
          // the shim is gone: its answer below says why
        }
        String rest = readRest(out);
        if (!shim.waitFor(60, TimeUnit.SECONDS)) {
          shim.destroyForcibly();
        }
        if (shim.isAlive() || shim.exitValue() != 0) {
          throw new RuntimeFailure(errorText(rest));
        }
        return recordStarted(bundle, rest);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RuntimeFailure("interrupted");
      }
    }

    /** Gives the container up: its shim removes it and exits; nothing of it ran. */
    public void cancel() {
      try {
        shim.getOutputStream().close();
        readRest(out);
        if (!shim.waitFor(30, TimeUnit.SECONDS)) {
          shim.destroyForcibly();
        }
      } catch (IOException e) {
        shim.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The shim's {@code --stdin}/{@code --tty} options from the bundle's {@code config.json}: its
   * {@code process.terminal} and the stdin annotation {@link OciSpecBuilder} writes.
   */
  static List<String> stdioArgs(Path bundle) throws IOException {
    Path config = bundle.resolve("config.json");
    if (!Files.exists(config)) {
      return List.of();
    }
    JsonNode spec = Json.mapper().readTree(config.toFile());
    List<String> args = new ArrayList<>();
    String stdin = spec.path("annotations").path(OciSpecBuilder.STDIN_ANNOTATION).asText("");
    if (stdin.equals("open") || stdin.equals("once")) {
      args.add("--stdin");
      args.add(stdin);
    }
    if (spec.path("process").path("terminal").asBoolean(false)) {
      args.add("--tty");
      args.add("true");
    }
    return args;
  }

  /** The socket its shim serves attachers on (live output, stdin, terminal size). */
  public static Path attachSocket(Path bundle) {
    return bundle.resolve("attach.sock");
  }

  /** The CRI log file of a container instance. */
  public static Path logFile(Path bundle) {
    return bundle.resolve("container.log");
  }

  /** Sends {@code signal} (e.g. {@code TERM}, {@code KILL}) to the container's init; a stopped container is no error. */
  public void kill(String id, String signal) {
    runSmall(List.of(runtime.toString(), "--root", runtimeRoot.toString(), "kill", id, signal), Duration.ofSeconds(10));
  }

  /** Removes what the runtime keeps of a container (normally its shim already did). */
  public void delete(String id) {
    if (!Files.exists(runtimeRoot.resolve(id))) {
      // the shim already deleted it after the container ended (jkrt and runc keep <root>/<id>)
      return;
    }
    runSmall(List.of(runtime.toString(), "--root", runtimeRoot.toString(), "delete", "--force", id), Duration.ofSeconds(10));
  }

  /**
   * Waits at most {@code max} for the container of {@code bundle} to end: woken by its shim writing
   * {@code exit.json} (inotify), re-checking the shim itself each second in case it died without it.
   *
   * @return whether the container is no longer running
   */
  public boolean waitExited(Path bundle, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    while (true) {
      if (!state(bundle).running()) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      java.util.concurrent.CompletableFuture<Void> f = exitWatcher().exited(bundle);
      try {
        f.get(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        // re-check the shim; a bundle directory that is gone has nothing running either
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !state(bundle).running();
      } finally {
        exitWatcher().cancel(bundle, f);
      }
    }
  }

  private ExitWatcher exitWatcher() {
    synchronized (this) {
      if (exitWatcher == null) {
        exitWatcher = new ExitWatcher();
      }
      return exitWatcher;
    }
  }

  /** Output and exit code of a command run inside a container. */
  public record ExecResult(int exitCode, String output, boolean timedOut) {}

  /** Runs {@code command} inside the running container {@code id}, waiting at most {@code timeout}. */
  public ExecResult exec(String id, List<String> command, Duration timeout) {
    List<String> cmd = new ArrayList<>(List.of(runtime.toString(), "--root", runtimeRoot.toString(), "exec", id));
    cmd.addAll(command);
    Result r = run(cmd, timeout);
    return new ExecResult(r.code, r.out + r.err, r.timedOut);
  }

  /** The state of the container instance whose bundle is {@code bundle}. */
  public ContainerState state(Path bundle) {
    try {
      Path exit = bundle.resolve("exit.json");
      if (Files.exists(exit)) {
        JsonNode j = Json.mapper().readTree(exit.toFile());
        int code = j.path("exitCode").asInt();
        boolean oom = j.path("oomKilled").asBoolean();
        String reason = j.has("reason") ? j.get("reason").asText() : oom ? "OOMKilled" : code == 0 ? "Completed" : "Error";
        return new ContainerState(ContainerState.Status.EXITED, code, reason,
            j.hasNonNull("message") ? j.get("message").asText() : null,
            instant(j.path("startedAt").asText(null)), instant(j.path("finishedAt").asText(null)), j.path("pid").asInt());
      }
      Path started = bundle.resolve("started.json");
      if (!Files.exists(started)) {
        // a kubelet killed between the shim's start and started.json: the shim's own pid files tell
        int shimPid = readPid(bundle.resolve("shim.pid"));
        if (alive(shimPid)) {
          return new ContainerState(ContainerState.Status.RUNNING, -1, null, null,
              Files.getLastModifiedTime(bundle.resolve("shim.pid")).toInstant(), null, readPid(bundle.resolve("container.pid")));
        }
        return new ContainerState(ContainerState.Status.UNKNOWN, -1, null, null, null, null, 0);
      }
      JsonNode s = Json.mapper().readTree(started.toFile());
      int shimPid = s.path("shimPid").asInt();
      Instant at = instant(s.path("startedAt").asText(null));
      if (alive(shimPid)) {
        return new ContainerState(ContainerState.Status.RUNNING, -1, null, null, at, null, s.path("pid").asInt());
      }
      // the shim writes exit.json before it exits: re-check once for that race
      if (Files.exists(exit)) {
        return state(bundle);
      }
      return new ContainerState(ContainerState.Status.UNKNOWN, 255, "Error", "the container's shim ended without an exit status",
          at, null, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Records a start failure as the instance's exit (exit code 128, reason StartError, as containerd does). */
  public static void recordStartError(Path bundle, String message) {
    try {
      Files.createDirectories(bundle);
      String now = Instant.now().toString();
      Files.writeString(bundle.resolve("exit.json"), Json.mapper().createObjectNode().put("exitCode", 128)
          .put("reason", "StartError").put("message", message).put("startedAt", "1970-01-01T00:00:00Z")
          .put("finishedAt", now).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int readPid(Path f) {
    try {
      return Integer.parseInt(Files.readString(f).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private static boolean alive(int pid) {
    if (pid <= 0) {
      return false;
    }
    try {
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // a zombie is not alive
      int close = stat.lastIndexOf(')');
      return cmdline.contains("jkshim") && !(close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z');
    } catch (IOException e) {
      return false;
    }
  }

  private static Instant instant(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The runtime's errors are JSON lines {@code {"error":"...","stage":"..."}}: show the message. */
  static String errorText(String raw) {
    String text = raw.strip();
    for (String line : text.split("\n")) {
      try {
        JsonNode j = Json.mapper().readTree(line);
        if (j != null && j.hasNonNull("error")) {
          String stage = j.path("stage").asText("");
          return stage.isEmpty() ? j.get("error").asText() : stage + ": " + j.get("error").asText();
        }
      } catch (IOException | RuntimeException ignored) {
        // not JSON: keep the raw text
      }
    }
    return text.isEmpty() ? "runtime failed without a message" : text;
  }

  private record Result(int code, String out, String err, boolean timedOut) {}

  /**
   * Runs a command whose output is a line or two (the shim's answer, the runtime's error): stdout and
   * stderr through one pipe, read after the exit (a pipe holds far more than such output). Cheaper
   * than {@link #run}'s two temporary files on the start path.
   */
  private static Result runSmall(List<String> cmd, Duration timeout) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      String out;
      try (var in = p.getInputStream()) {
        out = new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
      }
      return new Result(done ? p.exitValue() : -1, out, "", !done);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("interrupted");
    }
  }

  /** Runs a command whose output may be large (exec): stdout and stderr to temporary files, read after the exit. */
  private static Result run(List<String> cmd, Duration timeout) {
    try {
      Path outFile = Files.createTempFile("jk-rt-", ".out");
      Path errFile = Files.createTempFile("jk-rt-", ".err");
      try {
        Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
        }
        return new Result(done ? p.exitValue() : -1, Files.readString(outFile), Files.readString(errFile), !done);
      } finally {
        Files.deleteIfExists(outFile);
        Files.deleteIfExists(errFile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("interrupted");
    }
  }
}
