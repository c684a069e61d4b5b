package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.kubelet.server.KubeletServer;
import io.jk.kubelet.server.KubeletServerConfig;
import io.jk.kubelet.testing.KubeletHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The kubelet API over real pod workers: logs of the current and the previous instance, the pod list. */
class KubeletApiTest {

  @Test
  void servesLogsOfRunningAndPreviousContainers() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    Vertx vertx = Vertx.vertx();
    try (KubeletHarness h = new KubeletHarness(Duration.ofSeconds(1))) {
      Path tokens = h.root.resolve("tokens.csv");
      Files.writeString(tokens, "secret-token,tester\n");
      KubeletServer server = new KubeletServer(vertx, new KubeletServerConfig("127.0.0.1", 0, null, null, null, tokens,
          h.root.resolve("pki")), h.kubelet().podContainers(), KubeletHarness.NODE);
      server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try {
        h.client().pods().resource(pod("talker", "Always", sh("main", "echo run-$(date +%s%N); sleep 1; exit 1")).build()).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          var p = h.get("talker");
          return p.getStatus() != null && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
              && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1;
        });
        var http = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
        String current = get(http, server.port(), "/containerLogs/default/talker/main");
        String previous = get(http, server.port(), "/containerLogs/default/talker/main?previous=true");
        assertTrue(current.startsWith("run-") && previous.startsWith("run-"), current + " / " + previous);
        assertTrue(!current.equals(previous), "the previous instance has its own log");
        assertTrue(get(http, server.port(), "/pods").contains("\"talker\""));
      } finally {
        server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String get(io.vertx.core.http.HttpClient http, int port, String uri) throws Exception {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri)
            .putHeader("Authorization", "Bearer secret-token"))
        .compose(r -> r.send().compose(resp -> resp.body()))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).toString();
  }
}
