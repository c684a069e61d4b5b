package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.IssuedCertificate;
import io.jk.common.json.Json;
import io.jk.kubelet.image.OciImageService;
import io.jk.kubelet.server.KubeletServer;
import io.jk.kubelet.server.KubeletServerConfig;
import io.jk.kubelet.server.PodContainers;
import io.jk.kubelet.testing.BusyboxImage;
import io.jk.kubelet.testing.ImportMain;
import io.jk.kubelet.testing.KubeletHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images imported into a running kubelet's store: through {@code POST /images/import} on the kubelet API
 * (admins only, body streamed to disk) and by {@code jk image import} in another process writing the
 * store beside the kubelet; either way a following pod with {@code imagePullPolicy: Never} starts.
 */
class ImageImportTest {
  static KubeletHarness h;
  static Vertx vertx;
  static KubeletServer server;
  static IssuedCertificate adminCert;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    h = new KubeletHarness(Duration.ofSeconds(1));
    dir = Files.createTempDirectory(h.root, "api-");
    CertificateAuthority ca = CertificateAuthority.create("jk-test-ca", Duration.ofDays(1));
    adminCert = ca.issueClientCertificate("kube-apiserver-kubelet-client", List.of("system:masters"), Duration.ofDays(1));
    Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
    Files.writeString(dir.resolve("tokens.csv"), "admin-token,admin,1,\"system:masters,system:authenticated\"\n"
        + "viewer-token,viewer,2,\"system:authenticated\"\n");
    vertx = Vertx.vertx();
    PodContainers none = new PodContainers() {
      @Override
      public Optional<io.jk.kubelet.server.ContainerHandle> find(String ns, String pod, String container, boolean previous) {
        return Optional.empty();
      }

      @Override
      public List<Pod> pods() {
        return List.of();
      }
    };
    server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", 0, null, null, dir.resolve("ca.crt"),
        dir.resolve("tokens.csv"), dir.resolve("state")), none, KubeletHarness.NODE)
        .withImageImport(h.images, h.root.resolve("images"));
    server.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (h != null) {
      h.close();
    }
  }

  record Reply(int code, String body) {}

  /** Sends {@code archive} (streamed from its file) with a bearer token, or the admin certificate when token is null. */
  static Reply post(HttpMethod method, Path archive, String token, boolean cert) throws Exception {
    HttpClientOptions o = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false);
    if (cert) {
      o.setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(adminCert.certificatePem()))
          .setKeyValue(Buffer.buffer(adminCert.privateKeyPem())));
    }
    HttpClient client = vertx.createHttpClient(o);
    try {
      RequestOptions ro = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(server.port())
          .setURI("/images/import");
      if (token != null) {
        ro.putHeader("Authorization", "Bearer " + token);
      }
      // the body is asked for inside the request's callback, not chained after it from this thread (vert.x#4705)
      Future<Reply> reply = client.request(ro).compose(req -> {
        Future<HttpClientResponse> sent = archive == null ? req.send()
            : vertx.fileSystem().open(archive.toString(), new OpenOptions().setRead(true))
                .compose(file -> req.setChunked(true).send(file));
        return sent.compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.toString())));
      });
      return reply.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  static Pod neverPull(String name, String image) {
    Container c = sh("main", "trap 'exit 0' TERM; while true; do sleep 0.2; done");
    c.setImage(image);
    c.setImagePullPolicy("Never");
    return pod(name, "Always", c).build();
  }

  @Test
  void anAdminImportsThroughTheKubeletApiAndAPodWithPullPolicyNeverStarts() throws Exception {
    Path archive = dir.resolve("api.tar");
    BusyboxImage.writeArchive(archive, "jk.test/through-api:1");
    assertTrue(h.images.find("jk.test/through-api:1").isEmpty());

    assertEquals(401, post(HttpMethod.POST, archive, null, false).code(), "anonymous");
    Reply viewer = post(HttpMethod.POST, archive, "viewer-token", false);
    assertEquals(403, viewer.code(), viewer.body());
    assertTrue(viewer.body().contains("viewer"), viewer.body());
    assertTrue(h.images.find("jk.test/through-api:1").isEmpty(), "a refused upload imports nothing");
    assertEquals(405, post(HttpMethod.GET, null, "admin-token", false).code());
    Path junk = dir.resolve("junk.tar");
    Files.write(junk, new byte[4096]);
    Reply bad = post(HttpMethod.POST, junk, "admin-token", false);
    assertEquals(400, bad.code(), bad.body());

    // the API server's own client certificate (O=system:masters) is an admin
    Reply ok = post(HttpMethod.POST, archive, null, true);
    assertEquals(200, ok.code(), ok.body());
    assertEquals("jk.test/through-api:1", Json.mapper().readTree(ok.body()).path("images").path(0).path("reference").asText()
        .replace("docker.io/", ""), ok.body());
    try (var s = Files.list(h.root.resolve("images"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".upload-")), "uploads are removed");
    }

    h.client().pods().resource(neverPull("via-api", "jk.test/through-api:1")).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals("Running", h.get("via-api").getStatus().getPhase(), () -> h.get("via-api").getStatus().toString()));
    h.client().pods().resource(h.get("via-api")).delete();
  }

  @Test
  void jkImageImportInAnotherProcessWritesTheStoreBesideTheRunningKubelet() throws Exception {
    Path archive = dir.resolve("cli.tar");
    BusyboxImage.writeArchive(archive, "jk.test/from-cli:1");
    // the kubelet has read its index: what the other process adds must show without a restart
    assertTrue(h.images.find("jk.test/from-cli:1").isEmpty());
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dvertx.disableFileCPResolving=true", "-cp",
        System.getProperty("java.class.path"), ImportMain.class.getName(), h.root.toString(), archive.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);

    h.client().pods().resource(neverPull("via-cli", "jk.test/from-cli:1")).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertEquals("Running", h.get("via-cli").getStatus().getPhase(), () -> h.get("via-cli").getStatus().toString()));
    h.client().pods().resource(h.get("via-cli")).delete();

    // the kubelet's next index write keeps the other process's image (no lost update)
    Path other = dir.resolve("other.tar");
    BusyboxImage.writeArchive(other, "jk.test/after:1");
    h.images.importBlocking(other);
    try (OciImageService fresh = new OciImageService(h.root, Set.of())) {
      assertTrue(fresh.find("jk.test/from-cli:1").isPresent(), "the index on disk still has the imported image");
      assertTrue(fresh.find("jk.test/after:1").isPresent());
      assertTrue(fresh.find("busybox:1.36").isPresent());
    }
  }
}
