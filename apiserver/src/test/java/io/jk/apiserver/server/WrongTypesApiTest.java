package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A value of the wrong JSON type is refused with 400 before anything is stored, on create, update and patch. */
class WrongTypesApiTest {

  static ServerFixture f;
  static final String PODS = "/api/v1/namespaces/default/pods";

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  static String pod(String name, String env) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"a\",\"image\":\"b\",\"env\":[" + env + "]}]}}";
  }

  @Test
  void createWithAWrongTypeIsABadRequestAndStoresNothing() throws Exception {
    var r = f.post(PODS, pod("typo", "{\"name\":\"X\",\"valueFrom\":{\"fieldRef\":5}}"));
    assertEquals(400, r.code(), r.text());
    assertEquals("BadRequest", r.json().path("reason").asText());
    assertEquals("Pod in version \"v1\" cannot be handled as a Pod: spec.containers[0].env[0].valueFrom.fieldRef: "
        + "expected an object, got the integer 5", r.json().path("message").asText());
    assertEquals(404, f.get(PODS + "/typo").code());
    var d = f.post("/apis/apps/v1/namespaces/default/deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
        + "\"metadata\":{\"name\":\"big\"},\"spec\":{\"replicas\":2147483648,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\"}]}}}}");
    assertEquals(400, d.code(), d.text());
    assertTrue(d.json().path("message").asText().contains("spec.replicas: expected an integer (int32)"), d.text());
  }

  @Test
  void patchesAndUpdatesAreCheckedToo() throws Exception {
    assertEquals(201, f.post(PODS, pod("ok", "{\"name\":\"X\",\"value\":\"1\"}")).code());
    var merge = f.patch(PODS + "/ok", "application/merge-patch+json", "{\"spec\":{\"activeDeadlineSeconds\":\"soon\"}}");
    assertEquals(400, merge.code(), merge.text());
    assertTrue(merge.json().path("message").asText().contains("spec.activeDeadlineSeconds: expected an integer (int64), got a string"),
        merge.text());
    var labels = f.patch(PODS + "/ok", "application/strategic-merge-patch+json", "{\"metadata\":{\"labels\":{\"a\":true}}}");
    assertTrue(labels.code() == 400 || labels.code() == 422, labels.text());
    var fine = f.patch(PODS + "/ok", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
    assertEquals(200, fine.code(), fine.text());
    assertEquals("b", f.get(PODS + "/ok").json().path("metadata").path("labels").path("a").asText());
  }

  @Test
  void scaleWithAStringIsABadRequestAndANegativeCountInvalid() throws Exception {
    String deploy = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":"
        + "{\"replicas\":2,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":"
        + "{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"b\"}]}}}}";
    String scale = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    assertEquals(201, f.post("/apis/apps/v1/namespaces/default/deployments", deploy).code());
    var text = f.patch(scale, "application/merge-patch+json", "{\"spec\":{\"replicas\":\"x\"}}");
    assertEquals(400, text.code(), text.text());
    assertEquals("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas: expected an integer (int32), got \"x\"",
        text.json().path("message").asText());
    var negative = f.put(scale, "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"web\"},"
        + "\"spec\":{\"replicas\":-3}}");
    assertEquals(422, negative.code(), negative.text());
    assertEquals(2, f.get(scale).json().path("spec").path("replicas").asInt());
  }
}
