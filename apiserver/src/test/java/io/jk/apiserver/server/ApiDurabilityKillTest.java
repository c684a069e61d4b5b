package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.jk.testing.etcd.EtcdProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the API server process with SIGKILL while clients create objects through its HTTPS API, and
 * restarts it on the same data, several times: every create the server acknowledged (201) must be
 * there afterwards, on both backends, and the SQLite file must pass {@code PRAGMA integrity_check}.
 */
class ApiDurabilityKillTest {

  private static final int ROUNDS = 3;
  private static final int WRITERS = 16;
  private static final String TOKEN = "durability-admin-token";

  @TempDir
  Path dir;

  private final Random random = new Random();

  @Test
  void sqliteServerKeepsEveryAcknowledgedCreateAcrossKills() throws Exception {
    Set<String> acked = killLoop(List.of());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/state.db"));
        ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
      assertTrue(rs.next());
      assertEquals("ok", rs.getString(1));
    }
    assertTrue(acked.size() > 0);
  }

  @Test
  void etcdServerKeepsEveryAcknowledgedCreateAcrossKills() throws Exception {
    Assumptions.assumeTrue(EtcdProcess.available(), "etcd is not installed at " + EtcdProcess.DEFAULT_BINARY);
    try (EtcdProcess etcd = EtcdProcess.start()) {
      assertTrue(killLoop(List.of("--etcd-servers", etcd.endpoint())).size() > 0);
    }
  }

  /** Runs the kill loop and checks, on a final clean start, that every acknowledged name is stored. */
  private Set<String> killLoop(List<String> extraArgs) throws Exception {
    Path data = dir.resolve("data");
    Path tokens = dir.resolve("tokens.csv");
    Files.writeString(tokens, TOKEN + ",admin,admin,\"system:masters\"\n");
    int port = freePort();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < ROUNDS; round++) {
      Process server = startServer(data, tokens, port, extraArgs);
      try {
        HttpClient http = client(data);
        awaitReady(http, port, server);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        int before = acked.size();
        for (int w = 0; w < WRITERS; w++) {
          String prefix = "r" + round + "-w" + w + "-";
          Thread t = new Thread(() -> write(http, port, prefix, stop, acked), "writer-" + w);
          t.start();
          writers.add(t);
        }
        // Kill at a random moment once the load is flowing (a slow machine needs longer to warm up).
        long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acked.size() < before + 50 && System.nanoTime() < warmDeadline) {
          TimeUnit.MILLISECONDS.sleep(20);
        }
        Thread.sleep(random.nextInt(1000));
        server.destroyForcibly(); // SIGKILL, mid-load
        assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        stop.set(true);
        for (Thread t : writers) {
          t.join(30_000);
        }
      } finally {
        server.destroyForcibly();
      }
    }
    Process server = startServer(data, tokens, port, extraArgs);
    try {
      HttpClient http = client(data);
      awaitReady(http, port, server);
      Set<String> stored = new HashSet<>();
      JsonNode list = Json.mapper().readTree(send(http, port, "GET", "/api/v1/namespaces/default/configmaps", null).body());
      list.path("items").forEach(i -> stored.add(i.path("metadata").path("name").asText()));
      Set<String> lost = new HashSet<>(acked);
      lost.removeAll(stored);
      System.out.printf("%d creates acknowledged over %d kills, %d stored%n", acked.size(), ROUNDS, stored.size());
      assertTrue(lost.isEmpty(), "acknowledged but lost: " + lost);
    } finally {
      server.destroyForcibly();
      server.waitFor(30, TimeUnit.SECONDS);
    }
    return acked;
  }

  private static void write(HttpClient http, int port, String prefix, AtomicBoolean stop, Set<String> acked) {
    for (int i = 0; !stop.get(); i++) {
      String name = prefix + i;
      String body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
          + "\"},\"data\":{\"k\":\"" + "v".repeat(200) + "\"}}";
      try {
        if (send(http, port, "POST", "/api/v1/namespaces/default/configmaps", body).statusCode() == 201) {
          acked.add(name);
        }
      } catch (IOException e) {
        return; // the server died: this writer's round is over
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Process startServer(Path data, Path tokens, int port, List<String> extraArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-Dvertx.disableFileCPResolving=true", "-Dorg.sqlite.tmpdir=" + data, "-cp", System.getProperty("java.class.path"), ApiServerMain.class.getName(),
        "--data-dir", data.toString(), "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
        "--secure-port", Integer.toString(port), "--token-auth-file", tokens.toString()));
    cmd.addAll(extraArgs);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("server.log").toFile())
        .start();
  }

  private static void awaitReady(HttpClient unused, int port, Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertTrue(server.isAlive(), "the API server exited early");
      try {
        if (send(unused, port, "GET", "/readyz", null).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError("the API server did not become ready in 60 s");
  }

  private static HttpResponse<String> send(HttpClient http, int port, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A client trusting the cluster CA the server generated in its data directory (waits for it). */
  private static HttpClient client(Path data) throws Exception {
    Path ca = data.resolve("pki/ca.crt");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(ca) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
