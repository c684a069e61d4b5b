package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives the real jkrt binary with a private state root and a scratch directory, and
 * removes every container it started when closed (delete --force, then the directories).
 */
public final class Jkrt implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** What a command printed and returned. */
  public record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit=" + exit + " out=" + out + " err=" + err;
    }
  }

  final Path work;
  final Path root;
  private final Set<String> ids = new LinkedHashSet<>();
  private final List<Long> pids = new ArrayList<>();

  public Jkrt() throws IOException {
    work = Files.createTempDirectory("jkrt-test-");
    root = Files.createDirectories(work.resolve("state"));
  }

  /** A built binary: jkrt, jkshim, pause, cgroups_test. */
  public static Path bin(String name) {
    return Path.of(System.getProperty("jk.runtime.bin", "target/bin")).resolve(name).toAbsolutePath();
  }

  public static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  /** A fresh container id, remembered for cleanup. */
  public String newId() {
    String id = "jkrt-t" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    ids.add(id);
    return id;
  }

  /** Remembers a host pid to SIGKILL at close (e.g. a shim). */
  public void track(long pid) {
    pids.add(pid);
  }

  public Result jkrt(String... args) throws IOException, InterruptedException {
    return jkrtWithInput(null, args);
  }

  public Result jkrtWithInput(String input, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(bin("jkrt").toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, input);
  }

  /**
   * Runs a command with its output in files, not pipes: a created container inherits the
   * runtime's stdio and would hold a pipe open long after the command returned.
   */
  public static Result exec(List<String> cmd) throws IOException, InterruptedException {
    return exec(cmd, null);
  }

  /** As {@link #exec(List)}, with {@code input} (or nothing) on stdin. */
  public static Result exec(List<String> cmd, String input) throws IOException, InterruptedException {
    Path in = Files.createTempFile("jkrt-in-", ".txt");
    Files.writeString(in, input == null ? "" : input);
    try {
      return execFrom(cmd, in);
    } finally {
      Files.deleteIfExists(in);
    }
  }

  private static Result execFrom(List<String> cmd, Path in) throws IOException, InterruptedException {
    Path out = Files.createTempFile("jkrt-out-", ".txt");
    Path err = Files.createTempFile("jkrt-err-", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectInput(in.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + cmd);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** A file under the container-cgroup of a v1 controller, as jkrt places it (under our own cgroup). */
  public static Path cgroupDir(String controller, String id) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      if (List.of(f[1].split(",")).contains(controller)) {
        String own = f[2].equals("/") ? "" : f[2];
        return Path.of("/sys/fs/cgroup/" + controller + own + "/" + id);
      }
    }
    throw new IOException("no v1 controller " + controller);
  }

  /** Asserts that no state, cgroup, mount or process of the container remains. */
  public void assertNothingLeft(String id, long pid) throws IOException {
    assertFalse(Files.exists(root.resolve(id)), "state dir of " + id + " left behind");
    for (String c : List.of("memory", "cpu", "cpuacct", "pids", "freezer", "devices")) {
      assertFalse(Files.exists(cgroupDir(c, id)), c + " cgroup of " + id + " left behind");
    }
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
    assertFalse(mounts.contains(id), "a mount of " + id + " left behind");
    if (pid > 0) assertFalse(running(pid), "process " + pid + " still running");
  }

  /** True while a process exists and is not a zombie (a dead child its reaper has not collected yet). */
  public static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException gone) {
      return false;
    }
  }

  public static void assertOk(Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    for (String id : ids) {
      if (Files.exists(root.resolve(id))) jkrt("delete", "--force", id);
    }
    exec(List.of("rm", "-rf", "--one-file-system", work.toString()));
  }
}
