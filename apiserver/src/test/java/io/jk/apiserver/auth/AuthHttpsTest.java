package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.ClusterPki;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.apiserver.tls.ServingIdentity;
import io.jk.apiserver.tls.TlsServerOptions;
import io.jk.common.client.Clients;
import io.jk.common.json.Json;
import io.jk.common.kubeconfig.Kubeconfigs;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HTTPS server with jk's TLS options and auth handlers on a loopback port, driven by
 * java.net.http, fabric8 and the real kubectl.
 */
class AuthHttpsTest {

  private static final String UNAUTHORIZED_BODY = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
      + "\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}";

  @TempDir
  static Path dir;

  static Vertx vertx;
  static HttpServer server;
  static ClusterPki pki;
  static String base;

  @BeforeAll
  static void startServer() throws Exception {
    pki = ClusterPki.loadOrCreate(dir.resolve("pki"), ServingIdentity.standard("jk-test", "10.96.0.1", List.of()));
    Path tokens = Files.writeString(dir.resolve("tokens.csv"),
        "s3cret-admin,alice,uid-1,\"devs,ops\"\nother-token,bob,uid-2\n");
    Authenticator authenticator = Authenticator.union(List.of(
        TokenFileAuthenticator.load(tokens), new ClientCertificateAuthenticator(pki.clientCaCertificates())));
    Map<String, String> podNodes = Map.of("default/p1", "n1", "default/p2", "n2");
    Authorizer authorizer = Authorizers.standard(key -> Optional.ofNullable(podNodes.get(key)));

    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(AuthenticationHandler.create(authenticator));
    router.route().handler(BodyHandler.create().setBodyLimit(3 * 1024 * 1024));
    router.route().handler(AuthorizationHandler.create(authorizer));
    router.get("/healthz").handler(ctx -> ctx.response().end("ok"));
    router.get("/version").handler(ctx -> json(ctx, Map.of("major", "1", "minor", "32", "gitVersion", "v1.32.0-jk")));
    router.get("/whoami").handler(ctx -> json(ctx, AuthenticationHandler.user(ctx).orElseThrow()));
    router.get("/api/v1/nodes/:name").handler(ctx -> json(ctx, Map.of("kind", "Node", "apiVersion", "v1",
        "metadata", Map.of("name", ctx.pathParam("name"),
            "annotations", Map.of("requested-by", AuthenticationHandler.user(ctx).orElseThrow().name())))));
    router.patch("/api/v1/nodes/:name").handler(ctx -> json(ctx, Map.of("kind", "Node", "apiVersion", "v1",
        "metadata", Map.of("name", ctx.pathParam("name")))));
    router.route("/api/*").handler(ctx -> json(ctx, Map.of("allowed", true)));
    server = vertx.createHttpServer(TlsServerOptions.create(pki, "127.0.0.1", 0)).requestHandler(router)
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    base = "https://127.0.0.1:" + server.actualPort();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static void json(RoutingContext ctx, Object body) {
    try {
      ctx.response().putHeader("Content-Type", "application/json").end(Json.mapper().writeValueAsString(body));
    } catch (IOException e) {
      ctx.fail(e);
    }
  }

  private static String caPem() {
    return pki.authority().orElseThrow().certificatePem();
  }

  private static HttpResponse<String> send(HttpClient client, String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The TLS handshake fails, or the request arrives unauthenticated and gets 401. */
  private static void assertRefused(HttpClient client) throws Exception {
    HttpResponse<String> response;
    try {
      response = send(client, "GET", "/whoami", null, null);
    } catch (javax.net.ssl.SSLException e) {
      return; // refused during the handshake
    } catch (IOException e) {
      if (e.getCause() instanceof javax.net.ssl.SSLException) {
        return;
      }
      throw e;
    }
    assertEquals(401, response.statusCode(), response.body());
    assertEquals(UNAUTHORIZED_BODY, response.body());
  }

  private static HttpClient certClient(IssuedCertificate cert) throws Exception {
    return TlsClients.client(caPem(), cert.certificatePem(), cert.privateKeyPem());
  }

  @Test
  void noCredentialsGet401StatusButHealthAndVersionArePublic() throws Exception {
    HttpClient anonymous = TlsClients.client(caPem(), null, null);
    HttpResponse<String> denied = send(anonymous, "GET", "/api/v1/pods", null, null);
    assertEquals(401, denied.statusCode());
    assertEquals(UNAUTHORIZED_BODY, denied.body());
    assertEquals("application/json", denied.headers().firstValue("Content-Type").orElse(""));

    assertEquals(200, send(anonymous, "GET", "/healthz", null, null).statusCode());
    assertEquals(200, send(anonymous, "GET", "/version", null, null).statusCode());
    assertEquals(401, send(anonymous, "GET", "/whoami", null, null).statusCode());
    assertEquals(401, send(anonymous, "GET", "/healthz", "wrong-token", null).statusCode(),
        "a wrong token fails even on a public path");
  }

  @Test
  void tokenFromTheFileAuthenticates() throws Exception {
    HttpClient client = TlsClients.client(caPem(), null, null);
    HttpResponse<String> response = send(client, "GET", "/whoami", "s3cret-admin", null);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode user = Json.mapper().readTree(response.body());
    assertEquals("alice", user.get("name").asText());
    assertEquals("uid-1", user.get("uid").asText());
    assertEquals("[\"devs\",\"ops\",\"system:authenticated\"]", user.get("groups").toString());
    assertEquals(401, send(client, "GET", "/whoami", "s3cret-admin-not", null).statusCode());
  }

  @Test
  void clientCertificateFromTheClusterCaAuthenticatesWithUserAndGroups() throws Exception {
    IssuedCertificate admin = pki.authority().orElseThrow()
        .issueClientCertificate("jk-admin", List.of("system:masters", "ops"), Duration.ofHours(1));
    HttpResponse<String> response = send(certClient(admin), "GET", "/whoami", null, null);
    assertEquals(200, response.statusCode(), response.body());
    JsonNode user = Json.mapper().readTree(response.body());
    assertEquals("jk-admin", user.get("name").asText());
    assertEquals("[\"system:masters\",\"ops\",\"system:authenticated\"]", user.get("groups").toString());
  }

  @Test
  void certificateFromAnotherCaIsUnauthorized() throws Exception {
    IssuedCertificate foreign = CertificateAuthority.create("someone-else", Duration.ofDays(1))
        .issueClientCertificate("jk-admin", List.of("system:masters"), Duration.ofHours(1));
    HttpClient client = certClient(foreign);
    assertRefused(client);
  }

  @Test
  void expiredOrServerOnlyCertificatesAreUnauthorized() throws Exception {
    CertificateAuthority ca = pki.authority().orElseThrow();
    Instant now = Instant.now();
    IssuedCertificate expired = ca.issueClientCertificate("jk-admin", List.of("system:masters"),
        now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
    assertRefused(certClient(expired));

    IssuedCertificate serving = ca.issueServingCertificate("jk-admin",
        ServingIdentity.standard(null, null, List.of()), Duration.ofHours(1));
    assertRefused(certClient(serving)); // no clientAuth usage: no client credential
  }

  @Test
  void nodeMayChangeOnlyItselfAndItsPods() throws Exception {
    IssuedCertificate n1 = pki.authority().orElseThrow()
        .issueClientCertificate("system:node:n1", List.of("system:nodes"), Duration.ofHours(1));
    HttpClient client = certClient(n1);

    HttpResponse<String> other = send(client, "PATCH", "/api/v1/nodes/n2", null, "{}");
    assertEquals(403, other.statusCode());
    JsonNode status = Json.mapper().readTree(other.body());
    assertEquals("nodes \"n2\" is forbidden: User \"system:node:n1\" cannot patch resource \"nodes\" in API group \"\""
        + " at the cluster scope: node 'n1' cannot modify node 'n2'", status.get("message").asText());
    assertEquals("Forbidden", status.get("reason").asText());
    assertEquals(403, status.get("code").asInt());
    assertEquals("n2", status.at("/details/name").asText());

    assertEquals(200, send(client, "PATCH", "/api/v1/nodes/n1/status", null, "{}").statusCode());
    assertEquals(200, send(client, "POST", "/api/v1/nodes", null, "{\"metadata\":{\"name\":\"n1\"}}").statusCode());
    assertEquals(403, send(client, "POST", "/api/v1/nodes", null, "{\"metadata\":{\"name\":\"n2\"}}").statusCode());
    assertEquals(200, send(client, "PUT", "/api/v1/namespaces/default/pods/p1/status", null, "{}").statusCode());
    assertEquals(403, send(client, "PUT", "/api/v1/namespaces/default/pods/p2/status", null, "{}").statusCode());
    assertEquals(200, send(client, "GET", "/api/v1/pods?watch=true", null, null).statusCode());
    assertEquals(403, send(client, "DELETE", "/api/v1/namespaces/default/services/kubernetes", null, null)
        .statusCode());
  }

  @Test
  void writtenKubeconfigWorksWithFabric8AndKubectl() throws Exception {
    Path certConfig = dir.resolve("admin.kubeconfig");
    pki.writeClientKubeconfig(certConfig, base, "jk-admin", List.of("system:masters"), Duration.ofHours(1));
    Path tokenConfig = dir.resolve("alice.kubeconfig");
    Kubeconfigs.write(tokenConfig, Kubeconfigs.Spec.withToken(base, caPem(), "jk", "alice", "s3cret-admin", null));

    try (KubernetesClient client = Clients.fromKubeconfig(certConfig)) {
      Node node = client.nodes().withName("n7").get();
      assertEquals("jk-admin", node.getMetadata().getAnnotations().get("requested-by"));
      assertEquals("v1.32.0-jk", client.getKubernetesVersion().getGitVersion());
    }
    try (KubernetesClient client = Clients.fromKubeconfig(tokenConfig)) {
      assertEquals("alice", client.nodes().withName("n7").get().getMetadata().getAnnotations().get("requested-by"));
    }

    Path kubectl = Path.of("/usr/bin/kubectl");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(kubectl), "kubectl is not installed");
    assertTrue(kubectl(certConfig, "/whoami").contains("\"name\":\"jk-admin\""));
    assertTrue(kubectl(tokenConfig, "/whoami").contains("\"name\":\"alice\""));
    assertEquals("ok", kubectl(certConfig, "/healthz").trim());
  }

  @Test
  void joinedNodeKubeconfigActsAsThatNodeOnly() throws Exception {
    JoinTokens tokens = new JoinTokens(dir.resolve("join-tokens"));
    NodeCredentialIssuer issuer = new NodeCredentialIssuer(tokens, pki.authority().orElseThrow(), Duration.ofHours(1));
    NodeCredentialIssuer.NodeCredentials n1 = issuer.issue(tokens.create(Duration.ofMinutes(5)), "n1").orElseThrow();
    Path kubeconfig = dir.resolve("kubelet-n1.kubeconfig");
    Kubeconfigs.write(kubeconfig, Kubeconfigs.Spec.withClientCertificate(base, n1.caPem(), "jk", "system:node:n1",
        n1.certificatePem(), n1.privateKeyPem(), null));

    String labels = "{\"metadata\":{\"labels\":{\"zone\":\"a\"}}}";
    try (KubernetesClient client = Clients.fromKubeconfig(kubeconfig)) {
      assertEquals("n1", client.nodes().withName("n1")
          .patch(PatchContext.of(PatchType.JSON_MERGE), labels).getMetadata().getName());
      KubernetesClientException denied = assertThrows(KubernetesClientException.class, () -> client.nodes()
          .withName("n2").patch(PatchContext.of(PatchType.JSON_MERGE), labels));
      assertEquals(403, denied.getCode());
      assertTrue(denied.getMessage().contains("node 'n1' cannot modify node 'n2'"), denied.getMessage());
    }
  }

  private static String kubectl(Path kubeconfig, String path) throws Exception {
    Process process = new ProcessBuilder("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString(),
        "get", "--raw", path).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "kubectl did not finish");
      assertEquals(0, process.exitValue(), "kubectl failed: " + output);
      return output;
    } finally {
      process.destroyForcibly();
    }
  }
}
