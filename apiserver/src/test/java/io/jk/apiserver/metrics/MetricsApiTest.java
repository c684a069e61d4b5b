package io.jk.apiserver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.proxy.KubeletClientCredentials;
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
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code metrics.k8s.io/v1beta1} through a real API server (SQLite store) whose nodes' "kubelets"
 * are small real HTTPS servers requiring the API server's client certificate: one serves a fixed
 * {@code /stats/summary}, one accepts and never answers, one port is closed, and one node is not
 * Ready. The real {@code kubectl top} prints the expected rows, and nodes that do not answer are
 * left out rather than failing the list.
 */
class MetricsApiTest {

  @TempDir
  static Path dir;

  static Vertx vertx;
  static Store store;
  static ApiServer api;
  static HttpServer kubelet;
  static HttpServer silentKubelet;
  static HttpServer freshKubelet;
  static final java.util.concurrent.atomic.AtomicInteger freshAsks = new java.util.concurrent.atomic.AtomicInteger();
  static HttpClient http;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    CertificateAuthority ca = CertificateAuthority.create("metrics-test-ca", Duration.ofDays(1));
    IssuedCertificate serving = ca.issueServingCertificate("kubelet",
        new ServingIdentity(Set.of("localhost"), Set.of("127.0.0.1")), Duration.ofDays(1));
    IssuedCertificate client = ca.issueClientCertificate(KubeletClientCredentials.USER, List.of("system:masters"),
        Duration.ofDays(1));
    HttpServerOptions tls = new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
            .setKeyValue(Buffer.buffer(serving.privateKeyPem())))
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.certificatePem())))
        .setClientAuth(ClientAuth.REQUIRED);
    String summary = summary().toString();
    kubelet = vertx.createHttpServer(tls).requestHandler(req -> {
      if (req.path().equals("/stats/summary")) {
        req.response().putHeader("Content-Type", "application/json").end(summary);
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // a kubelet asked for the first time has no CPU rate yet: the API server asks again
    freshKubelet = vertx.createHttpServer(tls).requestHandler(req -> {
      boolean first = freshAsks.getAndIncrement() == 0;
      ObjectNode doc = Json.mapper().createObjectNode();
      ObjectNode node = doc.putObject("node").put("nodeName", "n-fresh");
      stats(node, 100_000_000L, 256L << 20);
      pod(doc.putArray("pods"), "fresh", "fresh-0", new Object[][] {{"app", 20_000_000L, 8L << 20}});
      if (first) {
        ((ObjectNode) node.get("cpu")).remove("usageNanoCores");
        ((ObjectNode) doc.get("pods").get(0).get("containers").get(0).get("cpu")).remove("usageNanoCores");
      }
      req.response().putHeader("Content-Type", "application/json").end(doc.toString());
    }).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // accepts the request and never answers: the API server must give up on it, not on the list
    silentKubelet = vertx.createHttpServer(tls).requestHandler(req -> { })
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
    api = new ApiServer(vertx, ApiServerConfig.defaults().withKubeletCredentials(
        new KubeletClientCredentials(client.certificatePem(), client.privateKeyPem(), ca.certificatePem())), store);
    api.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    createNode("n1", kubelet.actualPort(), true);
    createNode("n-silent", silentKubelet.actualPort(), true);
    createNode("n-closed", closedPort(), true);
    createNode("n-notready", kubelet.actualPort(), false);
    createNode("n-fresh", freshKubelet.actualPort(), true);
    send("POST", "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"fresh\"}}");
    createPod("fresh", "fresh-0", "fresh", "n-fresh", "app");
    createPod("default", "web-1", "web", "n1", "app", "sidecar");
    createPod("default", "db-0", "db", "n1", "db");
    createPod("kube-system", "dns", "dns", "n1", "dns");
    createPod("default", "starting", "web", "n1", "app");
    kubeconfig = Files.writeString(dir.resolve("kubeconfig"), String.join("\n", "apiVersion: v1", "kind: Config",
        "clusters:", "- name: t", "  cluster: {server: \"http://127.0.0.1:" + api.port() + "\"}",
        "users:", "- name: u", "  user: {}",
        "contexts:", "- name: t", "  context: {cluster: t, user: u, namespace: default}", "current-context: t", ""));
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

  /** Node n1: 250m and 512Mi; web-1 two containers, db-0 and dns one; "ghost" is not a stored pod; "starting" has no CPU rate yet. */
  private static ObjectNode summary() {
    ObjectNode s = Json.mapper().createObjectNode();
    ObjectNode node = s.putObject("node").put("nodeName", "n1");
    stats(node, 250_000_000L, 512L << 20);
    ArrayNode pods = s.putArray("pods");
    pod(pods, "default", "web-1", new Object[][] {{"app", 100_000_000L, 64L << 20}, {"sidecar", 5_000_000L, 16L << 20}});
    pod(pods, "default", "db-0", new Object[][] {{"db", 40_000_000L, 300L << 20}});
    pod(pods, "kube-system", "dns", new Object[][] {{"dns", 3_000_000L, 20L << 20}});
    pod(pods, "default", "ghost", new Object[][] {{"x", 7_000_000L, 1L << 20}});
    ObjectNode starting = pods.addObject();
    starting.putObject("podRef").put("namespace", "default").put("name", "starting");
    ObjectNode c = starting.putArray("containers").addObject().put("name", "app");
    c.putObject("cpu").put("time", "2026-01-01T00:00:00Z").put("usageCoreNanoSeconds", 5);
    c.putObject("memory").put("workingSetBytes", 1000);
    return s;
  }

  private static void pod(ArrayNode pods, String ns, String name, Object[][] containers) {
    ObjectNode p = pods.addObject();
    p.putObject("podRef").put("namespace", ns).put("name", name).put("uid", "u-" + name);
    ArrayNode cs = p.putArray("containers");
    for (Object[] c : containers) {
      stats(cs.addObject().put("name", (String) c[0]), (Long) c[1], (Long) c[2]);
    }
  }

  private static void stats(ObjectNode o, long nanoCores, long workingSet) {
    o.putObject("cpu").put("time", "2026-01-01T00:00:00Z").put("usageNanoCores", nanoCores);
    o.putObject("memory").put("time", "2026-01-01T00:00:00Z").put("workingSetBytes", workingSet)
        .put("usageBytes", workingSet + 4096);
  }

  private static void createNode(String name, int port, boolean ready) throws Exception {
    String node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\","
        + "\"labels\":{\"kubernetes.io/hostname\":\"" + name + "\"}}}";
    HttpResponse<String> created = send("POST", "/api/v1/nodes", node);
    assertEquals(201, created.statusCode(), created.body());
    ObjectNode stored = (ObjectNode) Json.mapper().readTree(created.body());
    ObjectNode status = stored.putObject("status");
    status.putArray("addresses").addObject().put("type", "InternalIP").put("address", "127.0.0.1");
    status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", port);
    status.putObject("capacity").put("cpu", "2").put("memory", "4Gi").put("pods", "110");
    status.putObject("allocatable").put("cpu", "2").put("memory", "4Gi").put("pods", "110");
    status.putArray("conditions").addObject().put("type", "Ready").put("status", ready ? "True" : "False")
        .put("reason", "KubeletReady").put("lastHeartbeatTime", "2026-01-01T00:00:00Z")
        .put("lastTransitionTime", "2026-01-01T00:00:00Z");
    HttpResponse<String> updated = send("PUT", "/api/v1/nodes/" + name + "/status", stored.toString());
    assertEquals(200, updated.statusCode(), updated.body());
  }

  private static void createPod(String ns, String name, String app, String node, String... containers) throws Exception {
    ObjectNode pod = Json.mapper().createObjectNode();
    pod.put("apiVersion", "v1").put("kind", "Pod");
    pod.putObject("metadata").put("name", name).putObject("labels").put("app", app);
    ObjectNode spec = pod.putObject("spec").put("nodeName", node);
    for (String c : containers) {
      spec.withArray("containers").addObject().put("name", c).put("image", "busybox");
    }
    HttpResponse<String> created = send("POST", "/api/v1/namespaces/" + ns + "/pods", pod.toString());
    assertEquals(201, created.statusCode(), created.body());
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(String path, int expectCode) throws Exception {
    HttpResponse<String> r = send("GET", path, null);
    assertEquals(expectCode, r.statusCode(), r.body());
    return Json.mapper().readTree(r.body());
  }

  /** Runs the real kubectl; returns its output lines with runs of blanks collapsed to one. */
  private static List<String> kubectl(String... args) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is needed on the PATH");
    List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out.lines().map(l -> l.trim().replaceAll("\\s+", " ")).collect(Collectors.toList());
  }

  @Test
  void kubectlTopNodesShowsTheNodesThatAnsweredWithPercentOfAllocatable() throws Exception {
    List<String> out = kubectl("top", "nodes");
    // the silent, closed and not-Ready nodes are left out of the metrics (kubectl then shows them as
    // <unknown>, as on a real cluster), not a failed command
    String unknown = " <unknown> <unknown> <unknown> <unknown>";
    List<String> rows = out.stream().filter(l -> !l.isEmpty()).toList();
    assertEquals("NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)", rows.get(0), String.join("\n", out));
    assertEquals(Set.of("n1 250m 12% 512Mi 12%", "n-fresh 100m 5% 256Mi 6%"), Set.copyOf(rows.subList(1, 3)),
        "nodes with metrics come first: " + String.join("\n", out));
    assertEquals(Set.of("n-closed" + unknown, "n-notready" + unknown, "n-silent" + unknown),
        Set.copyOf(rows.subList(3, rows.size())), String.join("\n", out));
  }

  @Test
  void kubectlTopPodsInOneNamespaceAndAcrossAll() throws Exception {
    List<String> ns = kubectl("top", "pods");
    assertEquals(List.of("NAME CPU(cores) MEMORY(bytes)", "db-0 40m 300Mi", "web-1 105m 80Mi"),
        ns.stream().filter(l -> !l.isEmpty()).sorted().toList().stream()
            .sorted((a, b) -> a.startsWith("NAME") ? -1 : b.startsWith("NAME") ? 1 : a.compareTo(b)).toList());
    List<String> all = kubectl("top", "pods", "-A");
    assertTrue(all.contains("kube-system dns 3m 20Mi"), String.join("\n", all));
    assertTrue(all.contains("default web-1 105m 80Mi"), String.join("\n", all));
    assertFalse(String.join("\n", all).contains("ghost"), "pods not in the store are left out");
    assertFalse(String.join("\n", all).contains("starting"), "pods without a CPU rate yet are left out");
  }

  @Test
  void kubectlTopPodsWithSelectorAndContainers() throws Exception {
    List<String> out = kubectl("top", "pods", "-l", "app=web", "--containers");
    assertEquals(List.of("POD NAME CPU(cores) MEMORY(bytes)", "web-1 app 100m 64Mi", "web-1 sidecar 5m 16Mi"),
        out.stream().filter(l -> !l.isEmpty()).toList());
    List<String> one = kubectl("top", "pod", "db-0");
    assertEquals("db-0 40m 300Mi", one.get(1), String.join("\n", one));
  }

  @Test
  void theApiAnswersObjectsInMetricsServersShape() throws Exception {
    JsonNode pod = get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1", 200);
    assertEquals("PodMetrics", pod.path("kind").asText());
    assertEquals("metrics.k8s.io/v1beta1", pod.path("apiVersion").asText());
    assertEquals("web", pod.path("metadata").path("labels").path("app").asText());
    assertEquals("2026-01-01T00:00:00Z", pod.path("timestamp").asText());
    assertEquals("100m", pod.path("containers").get(0).path("usage").path("cpu").asText());
    assertEquals("64Mi", pod.path("containers").get(0).path("usage").path("memory").asText());

    JsonNode nodes = get("/apis/metrics.k8s.io/v1beta1/nodes", 200);
    assertEquals("NodeMetricsList", nodes.path("kind").asText());
    assertEquals(List.of("n-fresh", "n1"), names(nodes), "nodes that do not answer or are not Ready are left out");
    assertEquals(List.of("n1"), names(get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector="
        + "kubernetes.io%2Fhostname%3Dn1", 200)));
    assertEquals(List.of(), names(get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=nope%3Dx", 200)));
    assertEquals(List.of("db-0", "dns", "fresh-0", "web-1"), names(get("/apis/metrics.k8s.io/v1beta1/pods", 200)));
    assertEquals("20m", get("/apis/metrics.k8s.io/v1beta1/namespaces/fresh/pods/fresh-0", 200)
        .path("containers").get(0).path("usage").path("cpu").asText(), "a kubelet without a rate yet is asked again");
    assertTrue(freshAsks.get() >= 2);
    assertEquals(List.of("dns"), names(get("/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system", 200)));

    assertEquals("NotFound", get("/apis/metrics.k8s.io/v1beta1/nodes/n-closed", 404).path("reason").asText());
    assertEquals("NotFound", get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/ghost", 404).path("reason").asText());
    assertEquals(400, send("GET", "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%3D%3D%3Db", null).statusCode());
    assertEquals(405, send("DELETE", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1", null).statusCode());
    assertEquals(405, send("POST", "/apis/metrics.k8s.io/v1beta1/nodes", "{}").statusCode());
  }

  @Test
  void discoveryListsTheMetricsGroupReadOnly() throws Exception {
    JsonNode list = get("/apis/metrics.k8s.io/v1beta1", 200);
    assertEquals("metrics.k8s.io/v1beta1", list.path("groupVersion").asText());
    for (JsonNode r : list.path("resources")) {
      assertEquals("[\"get\",\"list\"]", r.path("verbs").toString(), r.toString());
    }
    List<String> resources = kubectl("api-resources", "--api-group=metrics.k8s.io", "--no-headers");
    assertTrue(resources.contains("nodes metrics.k8s.io/v1beta1 false NodeMetrics"), String.join("\n", resources));
    assertTrue(resources.contains("pods metrics.k8s.io/v1beta1 true PodMetrics"), String.join("\n", resources));
  }

  private static List<String> names(JsonNode list) {
    List<String> out = new java.util.ArrayList<>();
    list.path("items").forEach(i -> out.add(i.path("metadata").path("name").asText()));
    out.sort(null);
    return out;
  }
}
