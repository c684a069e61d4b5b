package io.jk.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real etcd server for tests (kept in the API server's test tree because the storage tests need it and the {@code testing} module depends on the API server): Debian's {@code /usr/bin/etcd} on free loopback ports with its data
 * in a fresh directory on disk (never {@code --unsafe-no-fsync}). {@link #start()} returns once
 * {@code /health} answers; {@link #close()} kills the process by PID and removes the directory.
 *
 * <pre>{@code
 * try (EtcdProcess etcd = EtcdProcess.start()) {
 *   Store store = StoreFactory.open(etcd.endpoint(), StoreOptions.defaults());
 * }
 * }</pre>
 *
 * <p>{@link #startTls(Tls)} serves clients over HTTPS with a given server certificate and requires
 * client certificates signed by the given CA ({@code --client-cert-auth}).
 */
public final class EtcdProcess implements AutoCloseable {

  /**
   * TLS files for the client port.
   *
   * @param certFile server certificate (PEM), valid for IP 127.0.0.1
   * @param keyFile its private key (PEM)
   * @param trustedCaFile CA (PEM) that client certificates must be signed by
   */
  public record Tls(Path certFile, Path keyFile, Path trustedCaFile) {}

  /** The etcd binary used unless {@code JK_ETCD_BINARY} names another. */
  public static final String DEFAULT_BINARY = "/usr/bin/etcd";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path dir;
  private final int clientPort;
  private final boolean tls;

  private EtcdProcess(Process process, Path dir, int clientPort, boolean tls) {
    this.process = process;
    this.dir = dir;
    this.clientPort = clientPort;
    this.tls = tls;
  }

  /** Whether the etcd binary is installed (tests skip themselves when it is not). */
  public static boolean available() {
    return Files.isExecutable(Path.of(binary()));
  }

  private static String binary() {
    String b = System.getenv("JK_ETCD_BINARY");
    return b == null || b.isBlank() ? DEFAULT_BINARY : b;
  }

  /** Starts etcd in a new temporary directory and waits until it is healthy. */
  public static EtcdProcess start() {
    return startTls(null);
  }

  /** Starts etcd serving clients over HTTPS ({@code tls == null}: plain HTTP) and waits until it is ready. */
  public static EtcdProcess startTls(Tls tls) {
    IOException last = null;
    // Free ports are picked by binding port 0; another process may grab one first, so retry.
    for (int attempt = 0; attempt < 3; attempt++) {
      Path dir = null;
      try {
        dir = Files.createTempDirectory("jk-etcd-");
        return startIn(dir, tls);
      } catch (IOException e) {
        last = e;
        if (dir != null) {
          deleteTree(dir);
        }
      }
    }
    throw new UncheckedIOException("etcd did not start", last);
  }

  private static EtcdProcess startIn(Path dir, Tls tls) throws IOException {
    int clientPort = freePort();
    int peerPort = freePort();
    String client = (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd = new ArrayList<>(List.of(binary(),
        "--name", "jk-test",
        "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", client,
        "--advertise-client-urls", client,
        "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "jk-test=" + peer,
        "--initial-cluster-state", "new"));
    if (tls != null) {
      cmd.addAll(List.of("--cert-file", tls.certFile().toString(), "--key-file", tls.keyFile().toString(),
          "--client-cert-auth", "--trusted-ca-file", tls.trustedCaFile().toString()));
    }
    Path log = dir.resolve("etcd.log");
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    EtcdProcess etcd = new EtcdProcess(p, dir, clientPort, tls != null);
    try {
      etcd.awaitHealthy(log);
      return etcd;
    } catch (IOException | RuntimeException e) {
      etcd.kill();
      throw e;
    }
  }

  private void awaitHealthy(Path log) throws IOException {
    if (tls) {
      awaitLogLine(log, "serving client requests on");
      return;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + ": " + tail(log));
      }
      try {
        HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("true")) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for etcd", e);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for etcd", e);
      }
    }
    throw new IOException("etcd not healthy after " + START_TIMEOUT.toSeconds() + " s: " + tail(log));
  }

  /** With TLS and client-cert-auth a plain health probe cannot get in; etcd's log says when it serves. */
  private void awaitLogLine(Path log, String marker) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + ": " + tail(log));
      }
      if (Files.exists(log) && Files.readString(log).contains(marker)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for etcd", e);
      }
    }
    throw new IOException("etcd not ready after " + START_TIMEOUT.toSeconds() + " s: " + tail(log));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The client URL, {@code http://127.0.0.1:PORT} ({@code https://} with TLS). */
  public String endpoint() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  /** The PID of the etcd process. */
  public long pid() {
    return process.pid();
  }

  /** The temporary directory holding the data directory and {@code etcd.log}. */
  public Path directory() {
    return dir;
  }

  private void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills etcd (by its PID) and removes its directory. */
  @Override
  public void close() {
    kill();
    deleteTree(dir);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
