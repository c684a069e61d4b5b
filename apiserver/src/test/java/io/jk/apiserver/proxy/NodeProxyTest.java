package io.jk.apiserver.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.apiserver.auth.TokenFileAuthenticator;
import io.jk.apiserver.server.ApiServer;
import io.jk.apiserver.server.ApiServerConfig;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.apiserver.tls.ServingIdentity;
import io.jk.common.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodes/<name>/proxy/<path>} through a real API server (SQLite store, token
 * authentication) to a small real HTTPS "kubelet" that requires the API server's client
 * certificate: any method, query and body forwarded, a body far above the API's 3 MiB cap
 * streamed, only administrators allowed, and {@code kubectl get --raw} working.
 */
class NodeProxyTest {

  @TempDir
  static Path dir;

  static Vertx vertx;
  static Store store;
  static ApiServer api;
  static HttpServer kubelet;
  static final Map<String, String> lastAuthorization = new ConcurrentHashMap<>();
  static HttpClient http;
  static CertificateAuthority ca;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    ca = CertificateAuthority.create("node-proxy-test-ca", Duration.ofDays(1));
    IssuedCertificate serving = ca.issueServingCertificate("kubelet",
        new ServingIdentity(Set.of("localhost"), Set.of("127.0.0.1")), Duration.ofDays(1));
    IssuedCertificate client = ca.issueClientCertificate(KubeletClientCredentials.USER, List.of("system:masters"),
        Duration.ofDays(1));
    kubelet = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
                .setKeyValue(Buffer.buffer(serving.privateKeyPem())))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.certificatePem())))
            .setClientAuth(ClientAuth.REQUIRED))
        .requestHandler(NodeProxyTest::kubelet).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    Path tokens = Files.writeString(dir.resolve("tokens.csv"), "admin-token,admin,u1,\"system:masters\"\n"
        + "node-token,system:node:n1,u2,\"system:nodes\"\n" + "bob-token,bob,u3\n");
    store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
    // HTTPS: kubectl sends no bearer token over plain HTTP
    IssuedCertificate apiServing = ca.issueServingCertificate("kube-apiserver",
        new ServingIdentity(Set.of("localhost"), Set.of("127.0.0.1")), Duration.ofDays(1));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(ca.certificate()))
        .connectTimeout(Duration.ofSeconds(5)).build();
    api = new ApiServer(vertx, ApiServerConfig.defaults()
        .withTls(o -> o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(apiServing.certificatePem())).setKeyValue(Buffer.buffer(apiServing.privateKeyPem()))))
        .withAuthenticator(TokenFileAuthenticator.load(tokens))
        .withKubeletCredentials(new KubeletClientCredentials(client.certificatePem(), client.privateKeyPem(),
            ca.certificatePem())), store);
    api.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    createNode("n1", kubelet.actualPort());
    createNode("gone", closedPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (store != null) {
      store.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The fake kubelet: echoes what it was sent; hashes an uploaded body as it streams in. */
  private static void kubelet(HttpServerRequest req) {
    String cn;
    try {
      cn = ((X509Certificate) req.connection().peerCertificates().get(0)).getSubjectX500Principal().getName();
    } catch (Exception e) {
      req.response().setStatusCode(401).end();
      return;
    }
    lastAuthorization.put(req.path(), String.valueOf(req.getHeader("Authorization")));
    if (req.path().equals("/stats/summary")) {
      req.response().putHeader("Content-Type", "application/json").end(Json.mapper().createObjectNode()
          .put("peer", cn).put("query", req.query()).put("method", req.method().name())
          .set("node", Json.mapper().createObjectNode().put("nodeName", "n1")).toString());
    } else if (req.path().equals("/images/import") && req.method().name().equals("POST")) {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      long[] bytes = {0};
      req.handler(chunk -> {
        bytes[0] += chunk.length();
        sha.update(chunk.getBytes());
      });
      req.endHandler(v -> req.response().putHeader("Content-Type", "application/json").end(Json.mapper()
          .createObjectNode().put("bytes", bytes[0]).put("sha256", HexFormat.of().formatHex(sha.digest()))
          .put("contentType", req.getHeader("Content-Type")).toString()));
    } else {
      req.response().setStatusCode(404).putHeader("Content-Type", "text/plain").end("404 page not found");
    }
  }

  private static void createNode(String name, int port) throws Exception {
    String node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"status\":{\"addresses\":[{\"type\":\"Hostname\",\"address\":\"" + name + "\"},"
        + "{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}],"
        + "\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":" + port + "}}}}";
    HttpResponse<String> created = send("POST", "/api/v1/nodes", "admin-token", node);
    assertEquals(201, created.statusCode(), created.body());
    JsonNode stored = Json.mapper().readTree(created.body());
    if (stored.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt() != port) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) stored).set("status", Json.mapper().readTree(node).get("status"));
      HttpResponse<String> updated = send("PUT", "/api/v1/nodes/" + name + "/status", "admin-token", stored.toString());
      assertEquals(200, updated.statusCode(), updated.body());
    }
  }

  private static javax.net.ssl.SSLContext trusting(X509Certificate caCert) throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", caCert);
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String url(String path) {
    return "https://127.0.0.1:" + api.port() + path;
  }

  private static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminGetsTheKubeletsAnswerWithTheApiServersCertificateAndNotTheUsersToken() throws Exception {
    HttpResponse<String> r = send("GET", "/api/v1/nodes/n1/proxy/stats/summary?only_cpu_and_memory=true", "admin-token",
        null);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode body = Json.mapper().readTree(r.body());
    assertTrue(body.path("peer").asText().startsWith("CN=" + KubeletClientCredentials.USER + ","), body.toString());
    assertEquals("only_cpu_and_memory=true", body.path("query").asText());
    assertEquals("n1", body.path("node").path("nodeName").asText());
    assertEquals("null", lastAuthorization.get("/stats/summary"), "the user's bearer token must not reach the kubelet");
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void anImageArchiveFarAboveTheBodyCapIsStreamedToTheKubeletIntact() throws Exception {
    byte[] archive = new byte[24 * 1024 * 1024];
    new java.util.Random(7).nextBytes(archive);
    String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    for (boolean chunked : new boolean[] {false, true}) {
      HttpRequest.BodyPublisher publisher = chunked
          ? HttpRequest.BodyPublishers.ofInputStream(() -> (InputStream) new ByteArrayInputStream(archive))
          : HttpRequest.BodyPublishers.ofByteArray(archive);
      HttpRequest req = HttpRequest.newBuilder(URI.create(url("/api/v1/nodes/n1/proxy/images/import")))
          .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer admin-token")
          .header("Content-Type", "application/x-tar").POST(publisher).build();
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode got = Json.mapper().readTree(r.body());
      assertEquals(archive.length, got.path("bytes").asLong(), "chunked=" + chunked);
      assertEquals(want, got.path("sha256").asText(), "chunked=" + chunked);
      assertEquals("application/x-tar", got.path("contentType").asText());
    }
  }

  @Test
  void onlyAdministratorsMayProxyNeverANodeNorAnOrdinaryUser() throws Exception {
    for (String path : List.of("/api/v1/nodes/n1/proxy/stats/summary", "/api/v1/nodes/gone/proxy/stats/summary")) {
      HttpResponse<String> asNode = send("GET", path, "node-token", null);
      assertEquals(403, asNode.statusCode(), asNode.body());
      assertTrue(asNode.body().contains("cannot get resource \\\"nodes/proxy\\\""), asNode.body());
    }
    HttpResponse<String> asBob = send("POST", "/api/v1/nodes/n1/proxy/images/import", "bob-token", "x");
    assertEquals(403, asBob.statusCode(), asBob.body());
    assertTrue(asBob.body().contains("User \\\"bob\\\" cannot create resource \\\"nodes/proxy\\\""), asBob.body());
    assertFalse(lastAuthorization.containsKey("/images/import") && asBob.body().contains("\"bytes\""));
  }

  @Test
  void missingNodesUnreachableKubeletsAndKubeletErrorsGiveKubernetesStatuses() throws Exception {
    HttpResponse<String> missing = send("GET", "/api/v1/nodes/nope/proxy/stats/summary", "admin-token", null);
    assertEquals(404, missing.statusCode(), missing.body());
    assertTrue(missing.body().contains("nodes \\\"nope\\\" not found"), missing.body());

    HttpResponse<String> unreachable = send("GET", "/api/v1/nodes/gone/proxy/stats/summary", "admin-token", null);
    assertEquals(503, unreachable.statusCode(), unreachable.body());
    assertTrue(unreachable.body().contains("connection refused"), unreachable.body());

    HttpResponse<String> notThere = send("DELETE", "/api/v1/nodes/n1/proxy/no/such/path", "admin-token", null);
    assertEquals(404, notThere.statusCode(), notThere.body());
    assertEquals("404 page not found", notThere.body());
  }

  @Test
  void kubectlGetRawReadsTheNodesStatsSummary() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is needed on the PATH");
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n", "apiVersion: v1", "kind: Config",
        "clusters:", "- name: t", "  cluster: {server: \"" + url("") + "\", certificate-authority-data: "
            + java.util.Base64.getEncoder().encodeToString(ca.certificatePem().getBytes(StandardCharsets.US_ASCII)) + "}",
        "users:", "- name: admin", "  user: {token: admin-token}",
        "contexts:", "- name: t", "  context: {cluster: t, user: admin}", "current-context: t", ""));
    Process p = new ProcessBuilder("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString(), "get", "--raw",
        "/api/v1/nodes/n1/proxy/stats/summary").redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kubectl did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertEquals("n1", Json.mapper().readTree(out).path("node").path("nodeName").asText(), out);
  }
}
