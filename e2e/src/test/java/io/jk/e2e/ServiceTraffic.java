package io.jk.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A steady stream of HTTP requests to a URL from inside a lab node's network namespace (where
 * ClusterIPs route): a small JVM started with {@code nsenter --net}, one new connection per request
 * every {@code intervalMs}, each outcome a line in a file ({@code ok <ms> <body>} or {@code fail
 * <ms> <error>}). {@link #stop()} ends it through a stop file, and by PID if it does not.
 */
final class ServiceTraffic implements AutoCloseable {
  /** One request's outcome. */
  record Outcome(boolean ok, long millis, String text) {}

  private final Process process;
  private final Path out;
  private final Path stopFile;

  private ServiceTraffic(Process process, Path out, Path stopFile) {
    this.process = process;
    this.out = out;
    this.stopFile = stopFile;
  }

  /** Starts requests to {@code url} from network namespace {@code netns}, every {@code intervalMs}. */
  static ServiceTraffic start(String netns, String url, int intervalMs, Path workDir) throws IOException {
    Path out = workDir.resolve("traffic-" + System.nanoTime() + ".log");
    Path stop = workDir.resolve(out.getFileName() + ".stop");
    Process p = new ProcessBuilder("nsenter", "--net=/run/netns/" + netns,
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-Dhttp.keepAlive=false", "-cp", System.getProperty("java.class.path"),
        ServiceTraffic.class.getName(), url, String.valueOf(intervalMs), out.toString(), stop.toString())
        .redirectErrorStream(true).redirectOutput(workDir.resolve(out.getFileName() + ".stderr").toFile()).start();
    return new ServiceTraffic(p, out, stop);
  }

  /** The outcomes so far, in order. */
  List<Outcome> outcomes() throws IOException {
    List<Outcome> all = new ArrayList<>();
    if (!Files.exists(out)) {
      return all;
    }
    for (String line : Files.readAllLines(out)) {
      String[] f = line.split(" ", 3);
      if (f.length == 3 && (f[0].equals("ok") || f[0].equals("fail"))) {
        all.add(new Outcome(f[0].equals("ok"), Long.parseLong(f[1]), f[2]));
      }
    }
    return all;
  }

  /** True while the client runs. */
  boolean running() {
    return process.isAlive();
  }

  /** Stops the client (stop file, then SIGKILL by PID after 10 s) and returns every outcome. */
  List<Outcome> stop() throws IOException, InterruptedException {
    Files.writeString(stopFile, "stop");
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    return outcomes();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      stop();
    }
  }

  /** The client: {@code URL INTERVAL_MS OUT_FILE STOP_FILE}. */
  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    long interval = Long.parseLong(args[1]);
    Path stop = Path.of(args[3]);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8), true)) {
      while (!Files.exists(stop)) {
        long t0 = System.nanoTime();
        String line;
        try {
          HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
          c.setConnectTimeout(2000);
          c.setReadTimeout(2000);
          int code = c.getResponseCode();
          String body;
          try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
            body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().replace('\n', ' ');
          }
          c.disconnect();
          long ms = (System.nanoTime() - t0) / 1_000_000;
          line = (code == 200 ? "ok " : "fail ") + ms + " " + (code == 200 ? body : "HTTP " + code + " " + body);
        } catch (IOException e) {
          line = "fail " + (System.nanoTime() - t0) / 1_000_000 + " " + e;
        }
        w.println(line);
        long left = interval - (System.nanoTime() - t0) / 1_000_000;
        if (left > 0) {
          Thread.sleep(left);
        }
      }
    }
  }
}
