package io.jk.apiserver.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.storage.bench.StoreBench;
import io.jk.apiserver.storage.bench.StoreBench.Result;
import io.jk.common.json.Json;
import io.jk.testing.etcd.EtcdProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's benchmark (not a test): durable pod creates through the REST API with many
 * concurrent clients, and the delay from a create to its event reaching each of many watchers, on
 * the SQLite store and on the etcd store, with raw etcd puts at the same concurrency measured in the
 * same run as the yardstick. The server listens on plain HTTP on loopback, in this JVM (the
 * default, {@code --server in-process}) or in a JVM of its own ({@code --server process}), so that
 * the load generator's CPU is not counted in the server's. Both modes print the same lines; CPU
 * per operation is split into the server's (the whole JVM in in-process mode, generator included),
 * the load generator's (process mode only) and etcd's (read from {@code /proc}).
 *
 * <pre>
 * mvn -B -ntp -q -pl apiserver -am verify -Dtest=DiscoveryTest -Dsurefire.failIfNoSpecifiedTests=false
 * CP=$(grep -o 'surefire.test.class.path" value="[^"]*' \
 *     apiserver/target/surefire-reports/TEST-io.jk.apiserver.server.DiscoveryTest.xml | cut -d'"' -f3)
 * java -cp "$CP" io.jk.apiserver.bench.ApiBench --clients 64 --seconds 10 --watchers 1000 --events 200 \
 *     [--server process] [--server-jvm-args "-XX:StartFlightRecording=settings=profile,filename=/tmp/api.jfr"] \
 *     [--targets sqlite,etcd,raw-etcd] [--server-classpath OTHER_BUILD_CLASSES:$CP] [--load-client jdk|vertx]
 * </pre>
 */
public final class ApiBench {

  private static final String LISTENING = "LISTENING ";

  private ApiBench() {}

  /** A running API server for one target: in this JVM or in a child JVM. */
  private interface Server extends AutoCloseable {
    int port();

    /** CPU time the server has used so far (in-process: this whole JVM). */
    long cpuNanos();

    @Override
    void close() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--serve")) {
      serve(args[1]);
      return;
    }
    int clients = 64;
    int seconds = 10;
    int watchers = 1000;
    int events = 200;
    int eventRate = 100;
    String targets = "sqlite,etcd,raw-etcd";
    String serverMode = "in-process";
    String serverJvmArgs = "";
    // the creating clients' HTTP client: jdk (java.net.http, as before) or vertx (much less CPU per request)
    String loadClient = "jdk";
    // the child server's class path (default this JVM's): put another build's classes first to compare builds
    String serverClasspath = System.getProperty("java.class.path");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--watchers" -> watchers = Integer.parseInt(args[i + 1]);
        case "--events" -> events = Integer.parseInt(args[i + 1]);
        case "--event-rate" -> eventRate = Integer.parseInt(args[i + 1]);
        case "--targets" -> targets = args[i + 1];
        case "--server" -> serverMode = args[i + 1];
        case "--server-jvm-args" -> serverJvmArgs = args[i + 1];
        case "--server-classpath" -> serverClasspath = args[i + 1];
        case "--load-client" -> loadClient = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (!serverMode.equals("in-process") && !serverMode.equals("process")) {
      throw new IllegalArgumentException("--server must be in-process or process, got " + serverMode);
    }
    boolean separate = serverMode.equals("process");
    if (!loadClient.equals("jdk") && !loadClient.equals("vertx")) {
      throw new IllegalArgumentException("--load-client must be jdk or vertx, got " + loadClient);
    }
    System.out.printf("clients=%d seconds=%d watchers=%d events=%d@%d/s cpus=%d server=%s load-client=%s%n",
        clients, seconds, watchers, events, eventRate, Runtime.getRuntime().availableProcessors(), serverMode, loadClient);
    List<String> lines = new ArrayList<>();
    try (EtcdProcess etcd = EtcdProcess.start()) {
      for (String target : targets.split(",")) {
        if (target.equals("raw-etcd")) {
          try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            KV kv = client.getKVClient();
            byte[] pod = podJson("raw", "0").getBytes(StandardCharsets.UTF_8);
            StoreBench.measure("raw-etcd-warmup", clients, 1, pod, (k, v) -> put(kv, k, v));
            long etcd0 = procCpuNanos(etcd.pid());
            long cpu0 = processCpuNanos();
            Result r = StoreBench.measure("raw-etcd", clients, seconds, pod, (k, v) -> put(kv, k, v));
            long ops = Math.max(1, r.ops());
            lines.add(String.format(Locale.ROOT, "%-14s puts     %8.0f/s  p50 %6.2f ms  p99 %6.2f ms"
                    + "  cpu/put: etcd %5.0f us, client %5.0f us", "raw etcd",
                r.ops() / r.seconds(), r.p50Micros() / 1000.0, r.p99Micros() / 1000.0,
                (procCpuNanos(etcd.pid()) - etcd0) / 1000.0 / ops, (processCpuNanos() - cpu0) / 1000.0 / ops));
          }
          continue;
        }
        Path dir = Files.createTempDirectory("jk-apibench-");
        String endpoint = target.equals("sqlite") ? "sqlite://" + dir.resolve("state.db") : etcd.endpoint();
        Vertx clientVertx = Vertx.vertx();
        try (Server server = separate ? childServer(endpoint, serverJvmArgs, serverClasspath) : inProcessServer(endpoint)) {
          String base = "http://127.0.0.1:" + server.port();
          HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5)).build();
          io.vertx.core.http.HttpClient vertxHttp = clientVertx.createHttpClient(new HttpClientOptions()
              .setDefaultHost("127.0.0.1").setDefaultPort(server.port()).setMaxPoolSize(clients).setKeepAlive(true));
          StoreBench.Op create = loadClient.equals("vertx") ? (k, v) -> createPod(vertxHttp, k, "default")
              : (k, v) -> createPod(http, base, k, "default");
          StoreBench.measure("api-" + target + "-warmup", clients, separate ? 3 : 1, new byte[0], create);
          long server0 = server.cpuNanos();
          long client0 = processCpuNanos();
          long etcd0 = procCpuNanos(etcd.pid());
          Result r = StoreBench.measure("api-" + target, clients, seconds, new byte[0], create);
          long ops = Math.max(1, r.ops());
          lines.add(String.format(Locale.ROOT, "%-14s creates  %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  (%d errors)"
                  + "  cpu/create: server %5.0f us%s, etcd %4.0f us", "api/" + target, r.ops() / r.seconds(),
              r.p50Micros() / 1000.0, r.p99Micros() / 1000.0, r.errors(), (server.cpuNanos() - server0) / 1000.0 / ops,
              separate ? String.format(Locale.ROOT, ", clients %5.0f us", (processCpuNanos() - client0) / 1000.0 / ops)
                  : " (with clients)",
              target.equals("sqlite") ? 0.0 : (procCpuNanos(etcd.pid()) - etcd0) / 1000.0 / ops));
          if (watchers > 0 && events > 0) {
            server0 = server.cpuNanos();
            client0 = processCpuNanos();
            long[] delivery = watchDelivery(clientVertx, http, base, server.port(), watchers, events, eventRate);
            long n = Math.max(1, delivery[3]);
            lines.add(String.format(Locale.ROOT, "%-14s watch    %d watchers x %d events: p50 %6.2f ms  p99 %6.2f ms"
                    + "  max %6.2f ms  (%d of %d delivered)  cpu/delivery: server %5.1f us%s", "api/" + target,
                watchers, events, delivery[0] / 1e6, delivery[1] / 1e6, delivery[2] / 1e6, delivery[3],
                (long) watchers * events, (server.cpuNanos() - server0) / 1000.0 / n,
                separate ? String.format(Locale.ROOT, ", clients %5.1f us", (processCpuNanos() - client0) / 1000.0 / n)
                    : " (with clients)"));
          }
        } finally {
          await(clientVertx.close());
          try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
    System.out.println();
    lines.forEach(System.out::println);
    System.exit(0);
  }

  /** An API server on {@code endpoint} in this JVM. */
  private static Server inProcessServer(String endpoint) throws Exception {
    Vertx vertx = Vertx.vertx();
    Store store = StoreFactory.open(endpoint, StoreOptions.defaults());
    ApiServer server = new ApiServer(vertx, ApiServerConfig.defaults().withListen("127.0.0.1", 0), store);
    await(server.start());
    return new Server() {
      @Override
      public int port() {
        return server.port();
      }

      @Override
      public long cpuNanos() {
        return processCpuNanos();
      }

      @Override
      public void close() throws Exception {
        await(server.stop());
        store.close();
        await(vertx.close());
      }
    };
  }

  /**
   * An API server on {@code endpoint} in a child JVM ({@link #serve}) with this JVM's class path;
   * it ends when its standard input closes.
   */
  private static Server childServer(String endpoint, String jvmArgs, String classpath) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Dvertx.disableFileCPResolving=true");
    for (String a : jvmArgs.trim().split("\\s+")) {
      if (!a.isEmpty()) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", classpath, ApiBench.class.getName(), "--serve", endpoint));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    java.io.BufferedReader out = new java.io.BufferedReader(
        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    int port = -1;
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(LISTENING)) {
        port = Integer.parseInt(line.substring(LISTENING.length()).trim());
        break;
      }
    }
    if (port < 0) {
      p.destroyForcibly();
      throw new IllegalStateException("the server process ended before listening (exit " + p.waitFor() + ")");
    }
    // keep draining its output so that it never blocks on a full pipe
    Thread drain = new Thread(() -> {
      try {
        out.transferTo(java.io.Writer.nullWriter());
      } catch (java.io.IOException e) {
        // the child ended
      }
    }, "apibench-server-output");
    drain.setDaemon(true);
    drain.start();
    int listening = port;
    return new Server() {
      @Override
      public int port() {
        return listening;
      }

      @Override
      public long cpuNanos() {
        return procCpuNanos(p.pid());
      }

      @Override
      public void close() throws Exception {
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
    };
  }

  /** The child JVM's side of {@code --server process}: serves until standard input closes. */
  private static void serve(String endpoint) throws Exception {
    Server server = inProcessServer(endpoint);
    System.out.println(LISTENING + server.port());
    System.out.flush();
    System.in.transferTo(java.io.OutputStream.nullOutputStream());
    server.close();
    System.exit(0);
  }

  /** User plus system CPU time of process {@code pid} from {@code /proc/PID/stat} (clock ticks of 10 ms). */
  static long procCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": state is f[0]; utime and stime are stat's fields 14 and 15
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }

  /** CPU time used by this process so far (server and load clients share it), for a load-independent cost. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void put(KV kv, String key, byte[] value) throws Exception {
    kv.put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value)).get(30, TimeUnit.SECONDS);
  }

  /** Creates one pod named after the load runner's key; fails on anything but 201. */
  private static void createPod(HttpClient http, String base, String key, String namespace) throws Exception {
    String name = key.substring("/registry/bench/".length()).replace('/', '-');
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + namespace + "/pods"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(podJson(name, "0"))).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create " + name + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** Creates one pod like {@link #createPod(HttpClient, String, String, String)} with a Vert.x client. */
  private static void createPod(io.vertx.core.http.HttpClient http, String key, String namespace) throws Exception {
    String name = key.substring("/registry/bench/".length()).replace('/', '-');
    io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(podJson(name, "0"));
    int[] code = {0};
    io.vertx.core.buffer.Buffer answer = await(http.request(HttpMethod.POST, "/api/v1/namespaces/" + namespace + "/pods")
        .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
        .compose(resp -> {
          code[0] = resp.statusCode();
          return resp.body();
        }));
    if (code[0] != 201) {
      throw new IllegalStateException("create " + name + ": " + code[0] + " " + answer);
    }
  }

  /** A pod of about 1 KB as clients send it. */
  static String podJson(String name, String sentNanos) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\"bench\","
        + "\"tier\":\"web\"},\"annotations\":{\"bench/sent\":\"" + sentNanos + "\"}},\"spec\":{\"containers\":[{\"name\":"
        + "\"web\",\"image\":\"registry.example/web:1.0\",\"ports\":[{\"containerPort\":8080}],\"env\":[{\"name\":\"MODE\","
        + "\"value\":\"bench\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"},\"limits\":{\"memory\":"
        + "\"128Mi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080}}}],\"nodeSelector\":{"
        + "\"kubernetes.io/os\":\"linux\"},\"tolerations\":[{\"key\":\"bench\",\"operator\":\"Exists\"}]}}";
  }

  /**
   * Opens {@code watchers} watches on a fresh namespace, creates {@code events} pods at
   * {@code rate}/s stamped with their send time, and measures each event's arrival at each watcher.
   *
   * @return p50, p99 and max delay in ns, and how many deliveries arrived
   */
  private static long[] watchDelivery(Vertx vertx, HttpClient http, String base, int port, int watchers, int events,
      int rate) throws Exception {
    String ns = "watchbench";
    http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\""
            + ns + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
    String rv = Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + ns
        + "/pods")).build(), HttpResponse.BodyHandlers.ofString()).body()).path("metadata").path("resourceVersion").asText();
    long[] delays = new long[watchers * events];
    AtomicInteger delivered = new AtomicInteger();
    CountDownLatch connected = new CountDownLatch(watchers);
    CountDownLatch done = new CountDownLatch(1);
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(new HttpClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(port).setMaxPoolSize(watchers + 1));
    byte[] marker = "\"bench/sent\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] added = "{\"type\":\"ADDED\"".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < watchers; i++) {
      client.request(HttpMethod.GET, "/api/v1/namespaces/" + ns + "/pods?watch=true&resourceVersion=" + rv)
          .compose(req -> req.send())
          .onSuccess(resp -> {
            // a byte scan of each chunk, cheaper than a real client's framing, so that the load
            // generator takes as little as possible of the CPU it shares with the server: only the
            // tail of a line split across chunks is copied
            byte[][] partial = {null};
            resp.handler(chunk -> {
              long now = System.nanoTime();
              byte[] data = chunk.getBytes();
              if (partial[0] != null) {
                byte[] joined = Arrays.copyOf(partial[0], partial[0].length + data.length);
                System.arraycopy(data, 0, joined, partial[0].length, data.length);
                data = joined;
                partial[0] = null;
              }
              int len = data.length;
              int start = 0;
              for (int end = indexOf(data, (byte) '\n', start, len); end >= 0;
                  end = indexOf(data, (byte) '\n', start, len)) {
                if (startsWith(data, added, start, end)) {
                  int at = find(data, marker, start, end);
                  if (at >= 0) {
                    long sent = 0;
                    for (int d = at + marker.length; d < end && data[d] != '"'; d++) {
                      sent = sent * 10 + (data[d] - '0');
                    }
                    int n = delivered.getAndIncrement();
                    if (n < delays.length) {
                      delays[n] = now - sent;
                    }
                    if (n + 1 == delays.length) {
                      done.countDown();
                    }
                  }
                }
                start = end + 1;
              }
              if (start < len) {
                partial[0] = Arrays.copyOfRange(data, start, len);
              }
            });
            connected.countDown();
          })
          .onFailure(e -> System.err.println("watch failed: " + e));
    }
    if (!connected.await(60, TimeUnit.SECONDS)) {
      System.err.println("only " + (watchers - connected.getCount()) + " watchers connected");
    }
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    for (int i = 0; i < events; i++) {
      // sleep, not spin: a spinning sender would take one of the machine's two cores from the server
      for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      next += interval;
      String body = podJson("w-" + i, Long.toString(System.nanoTime()));
      http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/" + ns + "/pods"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.discarding());
    }
    done.await(60, TimeUnit.SECONDS);
    await(client.close());
    int n = Math.min(delivered.get(), delays.length);
    long[] got = Arrays.copyOf(delays, n);
    Arrays.sort(got);
    if (n == 0) {
      return new long[] {0, 0, 0, 0};
    }
    return new long[] {got[n / 2], got[Math.min(n - 1, (int) (n * 0.99))], got[n - 1], n};
  }

  private static int indexOf(byte[] b, byte c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(byte[] b, byte[] prefix, int from, int to) {
    if (to - from < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[from + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int find(byte[] b, byte[] what, int from, int to) {
    for (int i = from; i + what.length <= to; i++) {
      if (b[i] == what[0] && startsWith(b, what, i, to)) {
        return i;
      }
    }
    return -1;
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
