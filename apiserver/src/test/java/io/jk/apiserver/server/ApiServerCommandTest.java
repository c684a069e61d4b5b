package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The API server as the command starts it: HTTPS, client certificates, admin kubeconfig, restart. */
class ApiServerCommandTest {

  @TempDir
  Path dataDir;

  private ApiServerCommand command(String... extra) {
    ApiServerCommand c = new ApiServerCommand();
    List<String> args = new java.util.ArrayList<>(List.of("--data-dir", dataDir.toString(), "--bind-address", "127.0.0.1",
        "--secure-port", "0"));
    args.addAll(List.of(extra));
    new CommandLine(c).parseArgs(args.toArray(String[]::new));
    return c;
  }

  @Test
  void servesHttpsWithTheAdminKubeconfigAndKeepsStateAndAllocationsAcrossRestarts() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ApiServerCommand.Running first = command().start(vertx);
      String ip;
      try (KubernetesClient c = Clients.fromKubeconfig(first.adminKubeconfig())) {
        assertTrue(first.adminKubeconfig().startsWith(dataDir));
        assertTrue(c.getMasterUrl().toString().startsWith("https://127.0.0.1:"));
        assertEquals("kube-system", c.namespaces().withName("kube-system").get().getMetadata().getName());
        ip = c.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web")
            .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create()
            .getSpec().getClusterIP();
      }
      // without credentials: 401 on resources, but health is public
      int port = Integer.parseInt(Files.readString(first.adminKubeconfig()).replaceAll("(?s).*https://127.0.0.1:(\\d+).*", "$1"));
      HttpClient insecure = HttpClient.newBuilder().sslContext(trustAll()).build();
      assertEquals(401, insecure.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/v1/namespaces")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, insecure.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      if (KubectlTest.onPath("kubectl")) {
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", first.adminKubeconfig().toString(), "--cache-dir",
            dataDir.resolve("cache").toString(), "get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
            .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(ip, new String(p.getInputStream().readAllBytes()).trim());
      }
      first.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

      ApiServerCommand.Running second = command().start(vertx);
      try (KubernetesClient c = Clients.fromKubeconfig(second.adminKubeconfig())) {
        assertEquals(ip, c.services().inNamespace("default").withName("web").get().getSpec().getClusterIP());
        String other = c.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web2")
            .endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create()
            .getSpec().getClusterIP();
        assertNotEquals(ip, other, "allocations are rebuilt from the stored services");
      } finally {
        second.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void badFlagsAreAllReportedAtOnce() {
    ApiServerCommand c = new ApiServerCommand();
    new CommandLine(c).parseArgs("--secure-port", "70000", "--service-cluster-ip-range", "nope", "--tls-cert-file", "/x");
    List<String> errors = c.validate();
    assertEquals(3, errors.size(), errors.toString());
    assertEquals(2, new CommandLine(new ApiServerCommand()).execute("--secure-port", "-5", "--data-dir", dataDir.toString()));
  }

  private static SSLContext trustAll() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    return ctx;
  }
}
