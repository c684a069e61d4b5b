package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * MicroTime fields (Lease {@code acquireTime}/{@code renewTime}, Event {@code eventTime},
 * {@code series.lastObservedTime}) come back from a real API server as Kubernetes writes them:
 * RFC 3339, UTC, exactly six fraction digits; unparsable ones are refused with 422.
 */
class MicroTimeTest {

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

  private static String lease(String name, String renewTime) {
    return "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"spec\":{\"holderIdentity\":\"me\",\"leaseDurationSeconds\":15,\"acquireTime\":\"2026-01-02T15:04:05Z\","
        + "\"renewTime\":\"" + renewTime + "\"}}";
  }

  @ParameterizedTest(name = "{0} is stored and served as {1}")
  @CsvSource({
      "2026-01-02T15:04:05Z, 2026-01-02T15:04:05.000000Z",
      "2026-01-02T15:04:05.5Z, 2026-01-02T15:04:05.500000Z",
      "2026-01-02T15:04:05.123456Z, 2026-01-02T15:04:05.123456Z",
      "2026-01-02T15:04:05.123456789Z, 2026-01-02T15:04:05.123456Z",
      "2026-01-02T17:04:05.25+02:00, 2026-01-02T15:04:05.250000Z"})
  void leaseTimesAreWrittenWithSixFractionDigitsInUtc(String sent, String served) throws Exception {
    String name = "l" + Integer.toHexString(sent.hashCode());
    LiveServer.Res created = api.send("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease(name, sent));
    assertEquals(201, created.code(), created.body());
    assertEquals(served, created.json().path("spec").path("renewTime").asText());
    JsonNode got = api.send("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/" + name, null).json();
    assertEquals(served, got.path("spec").path("renewTime").asText());
    assertEquals("2026-01-02T15:04:05.000000Z", got.path("spec").path("acquireTime").asText());
  }

  @Test
  void aPatchedRenewTimeIsNormalizedToo() throws Exception {
    assertEquals(201, api.send("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
        lease("patched", "2026-01-02T15:04:05Z")).code());
    LiveServer.Res patched = api.sendPatch("/apis/coordination.k8s.io/v1/namespaces/default/leases/patched",
        "application/merge-patch+json", "{\"spec\":{\"renewTime\":\"2026-03-04T05:06:07.1Z\"}}");
    assertEquals(200, patched.code(), patched.body());
    assertEquals("2026-03-04T05:06:07.100000Z", patched.json().path("spec").path("renewTime").asText());
  }

  @Test
  void unparsableTimesAre422WithTheFieldNamed() throws Exception {
    LiveServer.Res bad = api.send("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease("bad", "yesterday"));
    assertEquals(422, bad.code(), bad.body());
    assertTrue(bad.body().contains("spec.renewTime: Invalid value: \\\"yesterday\\\""), bad.body());

    LiveServer.Res badEvent = api.send("POST", "/apis/events.k8s.io/v1/namespaces/default/events", event("bad-ev", "2026-13-45"));
    assertEquals(422, badEvent.code(), badEvent.body());
    assertTrue(badEvent.body().contains("eventTime"), badEvent.body());
  }

  private static String event(String name, String eventTime) {
    return "{\"apiVersion\":\"events.k8s.io/v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"" + name + "\"},"
        + "\"eventTime\":\"" + eventTime + "\",\"type\":\"Normal\",\"reason\":\"Started\",\"action\":\"Start\","
        + "\"reportingController\":\"jk.io/kubelet\",\"reportingInstance\":\"n1\",\"note\":\"hello\","
        + "\"regarding\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"p\"},"
        + "\"series\":{\"count\":2,\"lastObservedTime\":\"2026-01-02T15:04:06.7+00:00\"}}";
  }

  @Test
  void eventTimesAreMicroTimes() throws Exception {
    LiveServer.Res created = api.send("POST", "/apis/events.k8s.io/v1/namespaces/default/events",
        event("ev", "2026-01-02T15:04:05.1Z"));
    assertEquals(201, created.code(), created.body());
    assertEquals("2026-01-02T15:04:05.100000Z", created.json().path("eventTime").asText());
    assertEquals("2026-01-02T15:04:06.700000Z", created.json().path("series").path("lastObservedTime").asText());

    LiveServer.Res core = api.send("POST", "/api/v1/namespaces/default/events",
        "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"core-ev\"},\"eventTime\":\"2026-01-02T15:04:05Z\","
            + "\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"p\"},\"reason\":\"X\","
            + "\"message\":\"m\",\"type\":\"Normal\",\"reportingComponent\":\"c\",\"reportingInstance\":\"i\",\"action\":\"A\"}");
    assertEquals(201, core.code(), core.body());
    assertEquals("2026-01-02T15:04:05.000000Z", core.json().path("eventTime").asText());
  }
}
