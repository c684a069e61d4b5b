package io.jk.deploy;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jk ARGS} as a child JVM on the test class path, with its stdout and stderr collected,
 * so that tests see exactly what a user sees (lines printed, exit code). Closing it ends the
 * process by its PID (SIGTERM, then SIGKILL).
 */
final class JkProcess implements AutoCloseable {

  private final Process process;
  private final StringBuffer out = new StringBuffer();
  private final StringBuffer err = new StringBuffer();

  private JkProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), out);
    pump(process.getErrorStream(), err);
  }

  /** Starts {@code jk args...}. */
  static JkProcess start(String... args) throws IOException {
    return startWithPrefix(List.of(), args);
  }

  /** Starts {@code prefix... java ... jk args...}, e.g. with {@code ip netns exec NS} as prefix. */
  static JkProcess startWithPrefix(List<String> prefix, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Dvertx.disableFileCPResolving=true",
        "-Dorg.sqlite.tmpdir=" + Path.of("target").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), JkCommand.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    // where jkrt, jkshim and pause are when the kubelet runs from the test class path
    pb.environment().putIfAbsent("JK_RUNTIME_BIN", Path.of("..", "runtime", "target", "bin").toAbsolutePath().normalize().toString());
    return new JkProcess(pb.start());
  }

  /** Starts {@code jk server --disable-agent} on a free loopback port with its data in {@code dir}. */
  static JkProcess server(Path dir, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("server", "--disable-agent", "--data-dir", dir.toString(),
        "--secure-port", String.valueOf(freePort()), "--controller-manager-port", "0"));
    if (!List.of(extra).contains("--bind-address")) {
      args.addAll(List.of("--bind-address", "127.0.0.1"));
    }
    args.addAll(List.of(extra));
    return start(args.toArray(String[]::new));
  }

  /** Waits until the server printed its ready lines (or fails early with its stderr). */
  JkProcess awaitReady() {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("jk exited with " + process.exitValue() + ":\n" + err);
      }
      return out.toString().contains("export KUBECONFIG=");
    });
    return this;
  }

  /** The URL in {@code join a node: jk agent --server URL ...}. */
  String serverUrl() {
    return field("--server");
  }

  /** The join token the server printed. */
  String token() {
    return field("--token");
  }

  /** The CA hash the server printed. */
  String caCertHash() {
    return field("--ca-cert-hash");
  }

  private String field(String flag) {
    String[] words = out.toString().split("\\s+");
    for (int i = 0; i < words.length - 1; i++) {
      if (words[i].equals(flag)) {
        return words[i + 1];
      }
    }
    throw new AssertionError("no " + flag + " in jk's output:\n" + out);
  }

  String stdout() {
    return out.toString();
  }

  String stderr() {
    return err.toString();
  }

  Process process() {
    return process;
  }

  /** Waits for the exit code. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("jk still running after " + timeout + "; stderr:\n" + err);
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void pump(java.io.InputStream in, StringBuffer sink) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.append(line).append('\n');
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "jk-output");
    t.setDaemon(true);
    t.start();
  }
}
