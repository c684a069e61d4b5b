package io.jk.controllers.podautoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.json.Json;
import io.jk.testing.TestApiServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler's production metrics source through the API server's {@code metrics.k8s.io}
 * to a small real HTTPS "kubelet": per-pod usage summed over containers, in thousandths, for the
 * pods the selector picks.
 */
class MetricsApiSourceTest {

  static Vertx vertx;
  static HttpServer kubelet;
  static TestApiServer api;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    ObjectNode summary = Json.mapper().createObjectNode();
    summary.putObject("node").put("nodeName", "n1").set("cpu", usage(500_000_000L));
    ((ObjectNode) summary.get("node")).putObject("memory").put("workingSetBytes", 1L << 30);
    ArrayNode pods = summary.putArray("pods");
    pod(pods, "web-a", 120_000_000L, 30_000_000L);
    pod(pods, "web-b", 80_000_000L, 0L);
    pod(pods, "db-0", 300_000_000L, 0L);
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    String body = summary.toString();
    kubelet = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
            .setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(req -> req.response().putHeader("Content-Type", "application/json").end(body))
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    api = TestApiServer.start();
    client = api.client();
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).create();
    client.nodes().withName("n1").editStatus(n -> new NodeBuilder(n).withNewStatus()
        .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubelet.actualPort()).endKubeletEndpoint().endDaemonEndpoints()
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build());
    for (String[] p : new String[][] {{"web-a", "web"}, {"web-b", "web"}, {"db-0", "db"}}) {
      client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(p[0])
          .addToLabels("app", p[1]).endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName("c")
          .withImage("busybox").endContainer().endSpec().build()).create();
    }
  }

  private static ObjectNode usage(long nanoCores) {
    return Json.mapper().createObjectNode().put("time", "2026-01-01T00:00:00Z").put("usageNanoCores", nanoCores);
  }

  private static void pod(ArrayNode pods, String name, long appNanos, long sidecarNanos) {
    ObjectNode p = pods.addObject();
    p.putObject("podRef").put("namespace", "default").put("name", name);
    ArrayNode cs = p.putArray("containers");
    ObjectNode app = cs.addObject().put("name", "app");
    app.set("cpu", usage(appNanos));
    app.putObject("memory").put("workingSetBytes", 64L << 20);
    if (sidecarNanos > 0) {
      ObjectNode side = cs.addObject().put("name", "sidecar");
      side.set("cpu", usage(sidecarNanos));
      side.putObject("memory").put("workingSetBytes", 1L << 20);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void readsPerPodUsageOfTheSelectedPodsInThousandths() throws Exception {
    MetricsApiSource source = new MetricsApiSource(client);
    assertEquals(Map.of("web-a", 150L, "web-b", 80L), source.podUsage("default", "app=web", "cpu"));
    assertEquals(Map.of("web-a", (65L << 20) * 1000), Map.of("web-a", source.podUsage("default", "app=web", "memory")
        .get("web-a")));
    assertEquals(Map.of(), source.podUsage("kube-system", "app=web", "cpu"));
  }
}
