package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * core/v1 and events.k8s.io/v1 Events are one resource on a real API server: an event written
 * through either API is read, listed, watched and deleted through the other with the fields
 * renamed, and {@code kubectl get events} shows events recorded through events.k8s.io.
 */
class SharedEventsTest {

  static LiveServer api;

  @BeforeAll
  static void start() throws Exception {
    api = new LiveServer();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static final String EVENTS_API = "/apis/events.k8s.io/v1/namespaces/default/events";
  private static final String CORE = "/api/v1/namespaces/default/events";

  private static String newEvent(String name, String note) {
    return "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"eventTime\":\"2026-01-02T15:04:05.000001Z\",\"type\":\"Warning\",\"reason\":\"BackOff\",\"action\":\"Pull\","
        + "\"reportingController\":\"jk.io/kubelet\",\"reportingInstance\":\"n1\",\"note\":\"" + note + "\","
        + "\"regarding\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"web-1\"},"
        + "\"deprecatedSource\":{\"component\":\"kubelet\",\"host\":\"n1\"},\"deprecatedCount\":4}";
  }

  private static String coreEvent(String name, String message) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"involvedObject\":{\"kind\":\"Deployment\",\"namespace\":\"default\",\"name\":\"web\"},"
        + "\"reason\":\"ScalingReplicaSet\",\"message\":\"" + message + "\",\"type\":\"Normal\","
        + "\"source\":{\"component\":\"deployment-controller\"},\"count\":3,"
        + "\"firstTimestamp\":\"2026-01-02T15:00:00Z\",\"lastTimestamp\":\"2026-01-02T15:01:00Z\"}";
  }

  @Test
  void anEventsApiEventIsACoreEventWithTheCoreNames() throws Exception {
    LiveServer.Res created = api.send("POST", EVENTS_API, newEvent("pull-failed", "Back-off pulling image"));
    assertEquals(201, created.code(), created.body());
    assertEquals("events.k8s.io/v1", created.json().path("apiVersion").asText());

    JsonNode core = api.send("GET", CORE + "/pull-failed", null).json();
    assertEquals("v1", core.path("apiVersion").asText());
    assertEquals("Back-off pulling image", core.path("message").asText());
    assertEquals("web-1", core.path("involvedObject").path("name").asText());
    assertEquals("jk.io/kubelet", core.path("reportingComponent").asText());
    assertEquals("kubelet", core.path("source").path("component").asText());
    assertEquals(4, core.path("count").asInt());
    assertTrue(core.path("note").isMissingNode() && core.path("regarding").isMissingNode(), core.toString());
    assertEquals(created.json().path("metadata").path("resourceVersion").asText(),
        core.path("metadata").path("resourceVersion").asText(), "one object, one resourceVersion");

    if (LiveServer.hasKubectl()) {
      LiveServer.Run run = api.kubectl(null, "get", "events");
      assertEquals(0, run.exit(), run.out());
      assertTrue(run.out().contains("pod/web-1") && run.out().contains("Back-off pulling image"), run.out());
    }
  }

  @Test
  void aCoreEventIsSeenListedAndDeletedThroughEventsApi() throws Exception {
    assertEquals(201, api.send("POST", CORE, coreEvent("scaled", "Scaled up replica set web-5d to 3")).code());
    JsonNode seen = api.send("GET", EVENTS_API + "/scaled", null).json();
    assertEquals("events.k8s.io/v1", seen.path("apiVersion").asText());
    assertEquals("Scaled up replica set web-5d to 3", seen.path("note").asText());
    assertEquals("web", seen.path("regarding").path("name").asText());
    assertEquals(3, seen.path("deprecatedCount").asInt());
    assertEquals("2026-01-02T15:00:00Z", seen.path("deprecatedFirstTimestamp").asText());
    assertEquals("deployment-controller", seen.path("deprecatedSource").path("component").asText());

    JsonNode list = api.send("GET", EVENTS_API, null).json();
    assertEquals("EventList", list.path("kind").asText());
    assertTrue(list.path("items").toString().contains("\"name\":\"scaled\""), list.toString());
    JsonNode selected = api.send("GET", EVENTS_API + "?fieldSelector=involvedObject.name%3Dweb", null).json();
    assertEquals(1, selected.path("items").size(), selected.toString());

    assertEquals(200, api.send("DELETE", EVENTS_API + "/scaled", null).code());
    assertEquals(404, api.send("GET", CORE + "/scaled", null).code());
  }

  @Test
  void aWatchThroughEventsApiSeesEventsRecordedThroughCore() throws Exception {
    String rv = api.send("GET", EVENTS_API, null).json().path("metadata").path("resourceVersion").asText();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<Stream<String>>> watching = http.sendAsync(HttpRequest.newBuilder(
        URI.create(api.url(EVENTS_API + "?watch=1&timeoutSeconds=10&resourceVersion=" + rv))).build(),
        HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> response = watching.get(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertEquals(201, api.send("POST", CORE, coreEvent("watched", "seen through the other API")).code());
    Iterator<String> lines = response.body().iterator();
    JsonNode event = Json.mapper().readTree(lines.next());
    assertEquals("ADDED", event.path("type").asText());
    assertEquals("events.k8s.io/v1", event.path("object").path("apiVersion").asText());
    assertEquals("seen through the other API", event.path("object").path("note").asText());
    response.body().close();
  }

  @Test
  void conversionKeepsEveryField() {
    com.fasterxml.jackson.databind.node.ObjectNode core = Fixtures.json("{'apiVersion':'v1','kind':'Event',"
        + "'metadata':{'name':'e'},'message':'m','involvedObject':{'name':'p'},'reportingComponent':'rc',"
        + "'source':{'component':'c'},'firstTimestamp':'f','lastTimestamp':'l','count':2,'series':{'count':5},"
        + "'action':'a','reason':'r','related':{'name':'q'},'reportingInstance':'i','type':'Normal','eventTime':null}");
    com.fasterxml.jackson.databind.node.ObjectNode there = io.jk.apiserver.resources.events.EventConversion.toEventsV1(core);
    assertEquals("{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e\"},\"note\":\"m\","
        + "\"regarding\":{\"name\":\"p\"},\"reportingController\":\"rc\",\"deprecatedSource\":{\"component\":\"c\"},"
        + "\"deprecatedFirstTimestamp\":\"f\",\"deprecatedLastTimestamp\":\"l\",\"deprecatedCount\":2,"
        + "\"series\":{\"count\":5},\"action\":\"a\",\"reason\":\"r\",\"related\":{\"name\":\"q\"},"
        + "\"reportingInstance\":\"i\",\"type\":\"Normal\",\"eventTime\":null}", there.toString());
    assertEquals(core, io.jk.apiserver.resources.events.EventConversion.toCore(there));
  }
}
