package io.jk.apiserver.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST verbs over HTTP, as kubectl and client libraries use them. */
class RestApiTest {

  static ServerFixture f;
  static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  static String cm(String name, String labels, String data) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{" + labels
        + "}},\"data\":{" + data + "}}";
  }

  static String deployment(String name, int replicas) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
        + "\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},\"template\":{"
        + "\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"},"
        + "{\"name\":\"side\",\"image\":\"busybox\"}]}}}}";
  }

  @Test
  void createGetListAndServerFilledMetadata() throws Exception {
    ServerFixture.Res c = f.post("/api/v1/namespaces/default/configmaps", cm("crud1", "\"app\":\"a\"", "\"k\":\"v\""));
    assertEquals(201, c.code(), c.text());
    JsonNode m = c.json().path("metadata");
    assertFalse(m.path("uid").asText().isEmpty());
    assertFalse(m.path("creationTimestamp").asText().isEmpty());
    assertFalse(m.path("resourceVersion").asText().isEmpty());
    assertEquals("default", m.path("namespace").asText());
    assertEquals(c.json(), f.get("/api/v1/namespaces/default/configmaps/crud1").json());

    ServerFixture.Res dup = f.post("/api/v1/namespaces/default/configmaps", cm("crud1", "", ""));
    assertEquals(409, dup.code());
    assertEquals("AlreadyExists", dup.json().path("reason").asText());
    assertEquals("configmaps \"crud1\" already exists", dup.json().path("message").asText());

    ServerFixture.Res gen = f.post("/api/v1/namespaces/default/configmaps",
        "{\"metadata\":{\"generateName\":\"gen-\"}}");
    assertTrue(gen.json().path("metadata").path("name").asText().matches("gen-[a-z0-9]{5}"), gen.text());

    JsonNode list = f.get("/api/v1/namespaces/default/configmaps?labelSelector=app%3Da").json();
    assertEquals("ConfigMapList", list.path("kind").asText());
    assertEquals(1, list.path("items").size());
    assertTrue(Long.parseLong(list.path("metadata").path("resourceVersion").asText()) >= Long.parseLong(m.path("resourceVersion").asText()));

    ServerFixture.Res nf = f.get("/apis/apps/v1/namespaces/default/deployments/nope");
    assertEquals(404, nf.code());
    assertEquals("deployments.apps \"nope\" not found", nf.json().path("message").asText());
    assertEquals("apps", nf.json().path("details").path("group").asText());

    ServerFixture.Res noNs = f.post("/api/v1/namespaces/missing/configmaps", cm("x", "", ""));
    assertEquals(404, noNs.code());
    assertEquals("namespaces \"missing\" not found", noNs.json().path("message").asText());
  }

  @Test
  void paginationWithLimitAndContinue() throws Exception {
    for (int i = 0; i < 5; i++) {
      f.post("/api/v1/namespaces/default/configmaps", cm("page" + i, "\"pg\":\"yes\"", ""));
    }
    JsonNode p1 = f.get("/api/v1/namespaces/default/configmaps?labelSelector=pg&limit=2").json();
    assertEquals(2, p1.path("items").size());
    String cont = p1.path("metadata").path("continue").asText();
    assertFalse(cont.isEmpty());
    String rv = p1.path("metadata").path("resourceVersion").asText();
    f.delete("/api/v1/namespaces/default/configmaps/page0", null);
    JsonNode exact = f.get("/api/v1/namespaces/default/configmaps?labelSelector=pg&resourceVersion=" + rv
        + "&resourceVersionMatch=Exact").json();
    assertEquals(5, exact.path("items").size(), "a list at an exact revision sees the deleted object");
    JsonNode p2 = f.get("/api/v1/namespaces/default/configmaps?labelSelector=pg&limit=10&continue=" + cont).json();
    assertEquals(3, p2.path("items").size());
    assertEquals("page2", p2.path("items").path(0).path("metadata").path("name").asText());
    assertTrue(p2.path("metadata").path("continue").isMissingNode());
  }

  @Test
  void updateWithStaleResourceVersionIsConflictAndWithoutIsUnconditional() throws Exception {
    JsonNode created = f.post("/api/v1/namespaces/default/configmaps", cm("upd", "", "\"a\":\"1\"")).json();
    String rv = created.path("metadata").path("resourceVersion").asText();
    ServerFixture.Res ok = f.put("/api/v1/namespaces/default/configmaps/upd",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"upd\",\"resourceVersion\":\"" + rv
            + "\"},\"data\":{\"a\":\"2\"}}");
    assertEquals(200, ok.code(), ok.text());
    assertNotEquals(rv, ok.json().path("metadata").path("resourceVersion").asText());
    assertEquals(created.path("metadata").path("uid"), ok.json().path("metadata").path("uid"));
    ServerFixture.Res stale = f.put("/api/v1/namespaces/default/configmaps/upd",
        "{\"metadata\":{\"name\":\"upd\",\"resourceVersion\":\"" + rv + "\"},\"data\":{\"a\":\"3\"}}");
    assertEquals(409, stale.code());
    assertEquals("Operation cannot be fulfilled on configmaps \"upd\": the object has been modified; please apply "
        + "your changes to the latest version and try again", stale.json().path("message").asText());
    ServerFixture.Res uncond = f.put("/api/v1/namespaces/default/configmaps/upd",
        "{\"metadata\":{\"name\":\"upd\"},\"data\":{\"a\":\"4\"}}");
    assertEquals("4", uncond.json().path("data").path("a").asText());
    ServerFixture.Res wrongName = f.put("/api/v1/namespaces/default/configmaps/upd", "{\"metadata\":{\"name\":\"other\"}}");
    assertEquals(400, wrongName.code());
  }

  @Test
  void patchesOfAllThreeTypesAndApplyCreates() throws Exception {
    f.post("/apis/apps/v1/namespaces/default/deployments", deployment("pt", 1));
    String base = "/apis/apps/v1/namespaces/default/deployments/pt";
    JsonNode smp = f.patch(base, "application/strategic-merge-patch+json",
        "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"}],"
            + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.26\"},{\"$patch\":\"delete\",\"name\":\"side\"}]}}}}").json();
    JsonNode containers = smp.path("spec").path("template").path("spec").path("containers");
    assertEquals(1, containers.size(), smp.toString());
    assertEquals("nginx:1.26", containers.path(0).path("image").asText());
    assertEquals(2, smp.path("metadata").path("generation").asInt());

    JsonNode merge = f.patch(base, "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}").json();
    assertEquals("y", merge.path("metadata").path("labels").path("x").asText());
    assertEquals(2, merge.path("metadata").path("generation").asInt());

    JsonNode jp = f.patch(base, "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}]").json();
    assertEquals(4, jp.path("spec").path("replicas").asInt());

    ServerFixture.Res badOp = f.patch(base, "application/json-patch+json", "[{\"op\":\"frob\",\"path\":\"/spec\"}]");
    assertEquals(400, badOp.code(), badOp.text());

    ServerFixture.Res apply = f.patch("/api/v1/namespaces/default/configmaps/applied?fieldManager=kubectl",
        "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n");
    assertEquals(201, apply.code(), apply.text());
    ServerFixture.Res again = f.patch("/api/v1/namespaces/default/configmaps/applied?fieldManager=kubectl",
        "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"2\"\n");
    assertEquals(200, again.code());
    assertEquals("2", again.json().path("data").path("a").asText());
    // the same configuration again, a second later (managers' timestamps have second precision): no write
    Thread.sleep(1100);
    ServerFixture.Res same = f.patch("/api/v1/namespaces/default/configmaps/applied?fieldManager=kubectl",
        "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"2\"\n");
    assertEquals(200, same.code(), same.text());
    assertEquals(again.json().path("metadata").path("resourceVersion").asText(),
        same.json().path("metadata").path("resourceVersion").asText(), "a no-op apply must not bump resourceVersion");
    assertEquals(again.json().path("metadata").path("managedFields"), same.json().path("metadata").path("managedFields"));

    ServerFixture.Res badType = f.patch(base, "text/plain", "{}");
    assertEquals(415, badType.code());
  }

  @Test
  void scaleSubresourceAndStatusSubresourceKeepTheirHalves() throws Exception {
    f.post("/apis/apps/v1/namespaces/default/deployments", deployment("sc", 2));
    String base = "/apis/apps/v1/namespaces/default/deployments/sc";
    JsonNode scale = f.get(base + "/scale").json();
    assertEquals("Scale", scale.path("kind").asText());
    assertEquals("autoscaling/v1", scale.path("apiVersion").asText());
    assertEquals(2, scale.path("spec").path("replicas").asInt());
    assertEquals("app=sc", scale.path("status").path("selector").asText());
    JsonNode patched = f.patch(base + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}").json();
    assertEquals(5, patched.path("spec").path("replicas").asInt());
    assertEquals(5, f.get(base).json().path("spec").path("replicas").asInt());

    JsonNode cur = f.get(base).json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) cur).putObject("status").put("replicas", 3);
    ((com.fasterxml.jackson.databind.node.ObjectNode) cur.path("spec")).put("replicas", 9);
    JsonNode st = f.put(base + "/status", cur.toString()).json();
    assertEquals(3, st.path("status").path("replicas").asInt());
    assertEquals(5, st.path("spec").path("replicas").asInt(), "status update must not change spec");
    JsonNode main = f.put(base, f.get(base).json().toString().replace("\"replicas\":3", "\"replicas\":7")).json();
    assertEquals(3, main.path("status").path("replicas").asInt(), "main update must not change status");
  }

  @Test
  void podBindingGracefulDeletionAndEviction() throws Exception {
    String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"NAME\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
    f.post("/api/v1/namespaces/default/pods", pod.replace("NAME", "bound"));
    ServerFixture.Res bind = f.post("/api/v1/namespaces/default/pods/bound/binding",
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"bound\"},\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}");
    assertEquals(201, bind.code(), bind.text());
    assertEquals("n1", f.get("/api/v1/namespaces/default/pods/bound").json().path("spec").path("nodeName").asText());
    ServerFixture.Res again = f.post("/api/v1/namespaces/default/pods/bound/binding",
        "{\"metadata\":{\"name\":\"bound\"},\"target\":{\"name\":\"n2\"}}");
    assertEquals(409, again.code());

    // the collection form that fabric8's client.bindings() uses
    f.post("/api/v1/namespaces/default/pods", pod.replace("NAME", "bound2"));
    ServerFixture.Res viaCollection = f.post("/api/v1/namespaces/default/bindings",
        "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"bound2\"},\"target\":{\"name\":\"n3\"}}");
    assertEquals(201, viaCollection.code(), viaCollection.text());
    assertEquals("n3", f.get("/api/v1/namespaces/default/pods/bound2").json().path("spec").path("nodeName").asText());
    assertEquals(404, f.post("/api/v1/namespaces/default/bindings",
        "{\"metadata\":{\"name\":\"missing\"},\"target\":{\"name\":\"n3\"}}").code());
    assertEquals(422, f.post("/api/v1/namespaces/default/bindings", "{\"target\":{\"name\":\"n3\"}}").code());

    JsonNode graceful = f.delete("/api/v1/namespaces/default/pods/bound", "{\"gracePeriodSeconds\":30}").json();
    assertFalse(graceful.path("metadata").path("deletionTimestamp").isMissingNode(), graceful.toString());
    assertEquals(30, graceful.path("metadata").path("deletionGracePeriodSeconds").asInt());
    assertEquals(200, f.get("/api/v1/namespaces/default/pods/bound").code());
    f.delete("/api/v1/namespaces/default/pods/bound", "{\"gracePeriodSeconds\":0}");
    assertEquals(404, f.get("/api/v1/namespaces/default/pods/bound").code());

    f.post("/api/v1/namespaces/default/pods", pod.replace("NAME", "unscheduled"));
    f.delete("/api/v1/namespaces/default/pods/unscheduled", null);
    assertEquals(404, f.get("/api/v1/namespaces/default/pods/unscheduled").code());

    f.post("/api/v1/namespaces/default/pods", pod.replace("NAME", "evicted"));
    ServerFixture.Res ev = f.post("/api/v1/namespaces/default/pods/evicted/eviction",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"evicted\",\"namespace\":\"default\"},\"deleteOptions\":{}}");
    assertEquals(201, ev.code(), ev.text());
    assertEquals("Success", ev.json().path("status").asText());
    assertEquals(404, f.get("/api/v1/namespaces/default/pods/evicted").code());

    f.post("/api/v1/namespaces/default/pods", pod.replace("NAME", "logs"));
    assertEquals(400, f.get("/api/v1/namespaces/default/pods/logs/log").code());
  }

  @Test
  void finalizersHoldDeletionUntilRemovedAndForegroundAddsItsFinalizer() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps",
        "{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/keep\"]}}");
    JsonNode d = f.delete("/api/v1/namespaces/default/configmaps/fin", null).json();
    assertFalse(d.path("metadata").path("deletionTimestamp").isMissingNode());
    assertEquals(200, f.get("/api/v1/namespaces/default/configmaps/fin").code());
    f.patch("/api/v1/namespaces/default/configmaps/fin", "application/merge-patch+json",
        "{\"metadata\":{\"finalizers\":null}}");
    assertEquals(404, f.get("/api/v1/namespaces/default/configmaps/fin").code());

    f.post("/apis/apps/v1/namespaces/default/deployments", deployment("fg", 1));
    JsonNode fg = f.delete("/apis/apps/v1/namespaces/default/deployments/fg", "{\"propagationPolicy\":\"Foreground\"}").json();
    assertEquals("foregroundDeletion", fg.path("metadata").path("finalizers").path(0).asText());
    ServerFixture.Res pre = f.delete("/api/v1/namespaces/default/configmaps/crud-none",
        "{\"preconditions\":{\"uid\":\"x\"}}");
    assertEquals(404, pre.code());
  }

  @Test
  void namespaceDeletionMarksTerminatingAndRefusesNewContent() throws Exception {
    assertEquals(201, f.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"doomed\"}}").code());
    JsonNode d = f.delete("/api/v1/namespaces/doomed", null).json();
    assertEquals("Terminating", d.path("status").path("phase").asText());
    ServerFixture.Res refused = f.post("/api/v1/namespaces/doomed/configmaps", cm("x", "", ""));
    assertEquals(403, refused.code());
    JsonNode ns = f.get("/api/v1/namespaces/doomed").json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) ns.path("spec")).putArray("finalizers");
    assertEquals(200, f.put("/api/v1/namespaces/doomed/finalize", ns.toString()).code());
    assertEquals(404, f.get("/api/v1/namespaces/doomed").code());
  }

  @Test
  void servicesGetClusterIpsAndNodePortsWithoutDuplicates() throws Exception {
    JsonNode a = f.post("/api/v1/namespaces/default/services",
        "{\"metadata\":{\"name\":\"sa\"},\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}").json();
    JsonNode b = f.post("/api/v1/namespaces/default/services",
        "{\"metadata\":{\"name\":\"sb\"},\"spec\":{\"ports\":[{\"port\":80}]}}").json();
    String ipA = a.path("spec").path("clusterIP").asText();
    assertTrue(ipA.startsWith("10."), a.toString());
    assertNotEquals(ipA, b.path("spec").path("clusterIP").asText());
    assertNotEquals("10.96.0.1", ipA);
    int np = a.path("spec").path("ports").path(0).path("nodePort").asInt();
    assertTrue(np >= 30000 && np <= 32767);
    ServerFixture.Res taken = f.post("/api/v1/namespaces/default/services",
        "{\"metadata\":{\"name\":\"sc\"},\"spec\":{\"clusterIP\":\"" + ipA + "\",\"ports\":[{\"port\":80}]}}");
    assertEquals(422, taken.code());
    f.delete("/api/v1/namespaces/default/services/sa", null);
    assertEquals(201, f.post("/api/v1/namespaces/default/services",
        "{\"metadata\":{\"name\":\"sc\"},\"spec\":{\"clusterIP\":\"" + ipA + "\",\"type\":\"NodePort\",\"ports\":[{\"port\":80,\"nodePort\":"
            + np + "}]}}").code());
  }

  @Test
  void dryRunWritesNothing() throws Exception {
    assertEquals(201, f.post("/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry", "", "")).code());
    assertEquals(404, f.get("/api/v1/namespaces/default/configmaps/dry").code());
  }

  @Test
  void tablesForListAndGet() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps", cm("tbl", "\"t\":\"1\"", ""));
    JsonNode t = f.send("GET", "/api/v1/namespaces/default/configmaps?labelSelector=t", null, null, TABLE).json();
    assertEquals("Table", t.path("kind").asText());
    assertEquals("Name", t.path("columnDefinitions").path(0).path("name").asText());
    assertEquals("tbl", t.path("rows").path(0).path("cells").path(0).asText());
    assertEquals("PartialObjectMetadata", t.path("rows").path(0).path("object").path("kind").asText());
    assertEquals("1", t.path("rows").path(0).path("object").path("metadata").path("labels").path("t").asText());
    JsonNode one = f.send("GET", "/api/v1/namespaces/default/configmaps/tbl?includeObject=Object", null, null, TABLE).json();
    assertEquals(1, one.path("rows").size());
    assertEquals("ConfigMap", one.path("rows").path(0).path("object").path("kind").asText());
  }

  /** Reads watch events from a streaming response on a background thread. */
  static List<JsonNode> watch(String path, String accept) throws Exception {
    return watch(f, path, accept);
  }

  static List<JsonNode> watch(ServerFixture f, String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(f.url(path)));
    if (accept != null) {
      b.header("Accept", accept);
    }
    HttpResponse<InputStream> r = f.http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    Thread t = new Thread(() -> {
      try (BufferedReader rd = new BufferedReader(new InputStreamReader(r.body()))) {
        String line;
        while ((line = rd.readLine()) != null) {
          events.add(Json.mapper().readTree(line));
        }
        events.add(Json.mapper().createObjectNode().put("type", "CLOSED"));
      } catch (Exception e) {
        // stream ended
      }
    });
    t.setDaemon(true);
    t.start();
    return events;
  }

  static List<String> types(List<JsonNode> events) {
    return events.stream().map(e -> e.path("type").asText() + (e.path("object").path("metadata").has("name")
        ? " " + e.path("object").path("metadata").path("name").asText() : "")).toList();
  }

  @Test
  void watchFromZeroSendsCurrentStateThenChangesAndSelectorTransitions() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps", cm("w1", "\"w\":\"yes\"", ""));
    List<JsonNode> ev = watch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&labelSelector=w%3Dyes", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> ev.size() >= 1);
    f.post("/api/v1/namespaces/default/configmaps", cm("w2", "\"w\":\"yes\"", ""));
    f.patch("/api/v1/namespaces/default/configmaps/w1", "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}");
    f.patch("/api/v1/namespaces/default/configmaps/w1", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"w\":\"no\"}}}");
    f.post("/api/v1/namespaces/default/configmaps", cm("w3", "\"w\":\"no\"", ""));
    f.patch("/api/v1/namespaces/default/configmaps/w3", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"w\":\"yes\"}}}");
    f.delete("/api/v1/namespaces/default/configmaps/w2", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> ev.size() >= 6);
    assertEquals(List.of("ADDED w1", "ADDED w2", "MODIFIED w1", "DELETED w1", "ADDED w3", "DELETED w2"), types(ev));
  }

  @Test
  void watchFromAListResourceVersionSeesOnlyLaterEventsAndTimesOut() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps", cm("rv1", "\"rv\":\"t\"", ""));
    String rv = f.get("/api/v1/namespaces/default/configmaps?labelSelector=rv").json().path("metadata").path("resourceVersion").asText();
    List<JsonNode> ev = watch("/api/v1/namespaces/default/configmaps?watch=true&labelSelector=rv&timeoutSeconds=2&resourceVersion=" + rv, null);
    f.post("/api/v1/namespaces/default/configmaps", cm("rv2", "\"rv\":\"t\"", ""));
    await().atMost(Duration.ofSeconds(8)).until(() -> ev.size() >= 2);
    assertEquals(List.of("ADDED rv2", "CLOSED"), types(ev));
  }

  @Test
  void selectorFreeWatchesTellAddedModifiedAndDeletedApartInTheirNamespaceAndClusterWide() throws Exception {
    assertEquals(201, f.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"sf\"}}").code());
    String rv = f.get("/api/v1/namespaces/sf/configmaps").json().path("metadata").path("resourceVersion").asText();
    List<JsonNode> inNs = watch("/api/v1/namespaces/sf/configmaps?watch=true&timeoutSeconds=3&resourceVersion=" + rv, null);
    List<JsonNode> all = watch("/api/v1/configmaps?watch=true&timeoutSeconds=3&resourceVersion=" + rv, null);
    f.post("/api/v1/namespaces/sf/configmaps", cm("sf-a", "", "\"v\":\"1\""));
    f.post("/api/v1/namespaces/default/configmaps", cm("sf-b", "", ""));
    f.patch("/api/v1/namespaces/sf/configmaps/sf-a", "application/merge-patch+json", "{\"data\":{\"v\":\"2\"}}");
    f.delete("/api/v1/namespaces/sf/configmaps/sf-a", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> inNs.size() >= 4 && all.size() >= 5);
    assertEquals(List.of("ADDED sf-a", "MODIFIED sf-a", "DELETED sf-a", "CLOSED"), types(inNs));
    assertEquals("2", inNs.get(1).path("object").path("data").path("v").asText());
    assertEquals("2", inNs.get(2).path("object").path("data").path("v").asText());
    assertEquals(List.of("ADDED sf-a", "ADDED sf-b", "MODIFIED sf-a", "DELETED sf-a", "CLOSED"),
        types(all).stream().filter(t -> t.contains("sf-") || t.equals("CLOSED")).toList());
  }

  @Test
  void watchOfARevisionOlderThanTheWatchCacheGets410ExpiredAndRecentOnesReplay() throws Exception {
    try (ServerFixture small = new ServerFixture(c -> c.withWatchCacheEvents(3))) {
      String rv = small.post("/api/v1/namespaces/default/configmaps", cm("old0", "", "")).json()
          .path("metadata").path("resourceVersion").asText();
      for (int i = 1; i <= 5; i++) {
        small.post("/api/v1/namespaces/default/configmaps", cm("old" + i, "", ""));
      }
      // the watch cache follows the store asynchronously: until it has taken the last writes in, the old
      // revision is still in its window and a watch from it is (rightly) served; ask until it has moved on
      List<List<JsonNode>> attempts = new java.util.ArrayList<>();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        List<JsonNode> w = watch(small, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rv, null);
        attempts.add(w);
        await().atMost(Duration.ofSeconds(5)).until(() -> w.size() >= 1);
        assertEquals("ERROR", w.get(0).path("type").asText());
      });
      List<JsonNode> expired = attempts.get(attempts.size() - 1);
      assertEquals("ERROR", expired.get(0).path("type").asText());
      assertEquals(410, expired.get(0).path("object").path("code").asInt());
      assertEquals("Expired", expired.get(0).path("object").path("reason").asText());

      String recent = small.get("/api/v1/namespaces/default/configmaps/old3").json().path("metadata").path("resourceVersion").asText();
      List<JsonNode> replay = watch(small, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + recent, null);
      await().atMost(Duration.ofSeconds(5)).until(() -> replay.size() >= 2);
      assertEquals(List.of("ADDED old4", "ADDED old5"), types(replay));
    }
  }

  @Test
  void tableWatchHasColumnsOnlyInTheFirstEventAndBookmarksArrive() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps", cm("tw1", "\"tw\":\"a\"", ""));
    List<JsonNode> ev = watch("/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tw&resourceVersion=0", TABLE);
    await().atMost(Duration.ofSeconds(5)).until(() -> ev.size() >= 1);
    f.post("/api/v1/namespaces/default/configmaps", cm("tw2", "\"tw\":\"a\"", ""));
    await().atMost(Duration.ofSeconds(5)).until(() -> ev.size() >= 2);
    assertEquals("Table", ev.get(0).path("object").path("kind").asText());
    assertTrue(ev.get(0).path("object").has("columnDefinitions"));
    assertFalse(ev.get(1).path("object").has("columnDefinitions"));
    assertEquals("tw2", ev.get(1).path("object").path("rows").path(0).path("cells").path(0).asText());
  }

  @Test
  void aWebSocketUpgradeOnAWatchUrlIsAnsweredAsAChunkedWatch() throws Exception {
    // fabric8 tries a WebSocket first and falls back to HTTP watches on a 200 answer
    java.net.URI u = URI.create(f.url("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1"));
    try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + u.getRawPath() + "?" + u.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String head = new String(s.getInputStream().readNBytes(15), java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200 OK", head);
    }
  }

  @Test
  void deleteCollectionRemovesOnlyTheSelectedObjects() throws Exception {
    f.post("/api/v1/namespaces/default/configmaps", cm("dc1", "\"dc\":\"yes\"", ""));
    f.post("/api/v1/namespaces/default/configmaps", cm("dc2", "\"dc\":\"yes\"", ""));
    f.post("/api/v1/namespaces/default/configmaps", cm("dc3", "\"dc\":\"no\"", ""));
    ServerFixture.Res r = f.delete("/api/v1/namespaces/default/configmaps?labelSelector=dc%3Dyes", null);
    assertEquals(200, r.code(), r.text());
    assertEquals(2, r.json().path("items").size());
    assertEquals(404, f.get("/api/v1/namespaces/default/configmaps/dc1").code());
    assertEquals(200, f.get("/api/v1/namespaces/default/configmaps/dc3").code());
  }

  @Test
  void evictionOfARunningPodRespectsItsDisruptionBudget() throws Exception {
    f.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"guarded\",\"labels\":{\"pdb\":\"g\"}},"
        + "\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    JsonNode pod = f.get("/api/v1/namespaces/default/pods/guarded").json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) pod).putObject("status").put("phase", "Running");
    assertEquals(200, f.put("/api/v1/namespaces/default/pods/guarded/status", pod.toString()).code());
    JsonNode pdb = f.post("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
        "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"pdb\":\"g\"}}}}").json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) pdb).putObject("status").put("disruptionsAllowed", 0)
        .put("observedGeneration", 1).put("desiredHealthy", 1).put("currentHealthy", 1).put("expectedPods", 1);
    assertEquals(200, f.put("/apis/policy/v1/namespaces/default/poddisruptionbudgets/g/status", pdb.toString()).code());
    String eviction = "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"guarded\"}}";
    ServerFixture.Res refused = f.post("/api/v1/namespaces/default/pods/guarded/eviction", eviction);
    assertEquals(429, refused.code(), refused.text());
    assertEquals("Cannot evict pod as it would violate the pod's disruption budget.", refused.json().path("message").asText());

    pdb = f.get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/g").json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) pdb.path("status")).put("disruptionsAllowed", 1);
    f.put("/apis/policy/v1/namespaces/default/poddisruptionbudgets/g/status", pdb.toString());
    assertEquals(201, f.post("/api/v1/namespaces/default/pods/guarded/eviction", eviction).code());
    assertEquals(0, f.get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/g").json().path("status")
        .path("disruptionsAllowed").asInt());
    JsonNode gone = f.get("/api/v1/namespaces/default/pods/guarded").json();
    assertFalse(gone.path("metadata").path("deletionTimestamp").isMissingNode(), "bound pods are deleted gracefully");
  }

  @Test
  void bookmarksCarryTheLatestRevisionWhenAskedFor() throws Exception {
    try (ServerFixture fast = new ServerFixture(c -> c.withBookmarkInterval(200))) {
      String rv = fast.post("/api/v1/namespaces/default/configmaps", cm("bm", "\"bm\":\"1\"", "")).json()
          .path("metadata").path("resourceVersion").asText();
      List<JsonNode> ev = watch(fast, "/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true"
          + "&labelSelector=bm&resourceVersion=0", null);
      await().atMost(Duration.ofSeconds(5)).until(() -> ev.stream().anyMatch(e -> e.path("type").asText().equals("BOOKMARK")));
      JsonNode bm = ev.stream().filter(e -> e.path("type").asText().equals("BOOKMARK")).findFirst().orElseThrow();
      assertEquals("ConfigMap", bm.path("object").path("kind").asText());
      assertTrue(Long.parseLong(bm.path("object").path("metadata").path("resourceVersion").asText()) >= Long.parseLong(rv));
      List<JsonNode> none = watch(fast, "/api/v1/namespaces/default/configmaps?watch=true&labelSelector=bm&resourceVersion=0"
          + "&timeoutSeconds=1", null);
      await().atMost(Duration.ofSeconds(5)).until(() -> none.size() >= 2);
      assertEquals(List.of("ADDED bm", "CLOSED"), types(none), "no bookmarks unless asked for");
    }
  }

  @Test
  void metadataErrorsAreReportedOnceAndGenerationOnlyWhereTracked() throws Exception {
    ServerFixture.Res bad = f.post("/api/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad_Name\"}}");
    assertEquals(422, bad.code(), bad.text());
    long nameCauses = 0;
    for (JsonNode c : bad.json().path("details").path("causes")) {
      nameCauses += c.path("field").asText().equals("metadata.name") ? 1 : 0;
    }
    assertEquals(1, nameCauses, bad.text());
    // a Service name must be a DNS-1035 label: no leading digit
    ServerFixture.Res svc = f.post("/api/v1/namespaces/default/services", "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
        + "\"metadata\":{\"name\":\"1svc\"},\"spec\":{\"ports\":[{\"port\":80}]}}");
    assertEquals(422, svc.code(), svc.text());
    ServerFixture.Res cm = f.post("/api/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"no-generation\"}}");
    assertEquals(201, cm.code(), cm.text());
    assertTrue(cm.json().path("metadata").path("generation").isMissingNode(), cm.text());
  }

  @Test
  void theKubernetesServicePointsAtThisServer() throws Exception {
    JsonNode svc = f.get("/api/v1/namespaces/default/services/kubernetes").json();
    assertEquals("10.96.0.1", svc.path("spec").path("clusterIP").asText());
    JsonNode slice = f.get("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes").json();
    assertEquals("127.0.0.1", slice.path("endpoints").path(0).path("addresses").path(0).asText(), slice.toString());
    assertEquals(f.server.port(), slice.path("ports").path(0).path("port").asInt());
    assertEquals("kubernetes", slice.path("metadata").path("labels").path("kubernetes.io/service-name").asText());
    JsonNode ep = f.get("/api/v1/namespaces/default/endpoints/kubernetes").json();
    assertEquals(f.server.port(), ep.path("subsets").path(0).path("ports").path(0).path("port").asInt());
  }
}
