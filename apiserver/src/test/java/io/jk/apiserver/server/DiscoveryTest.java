package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DiscoveryTest {

  static ServerFixture f;

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  @Test
  void versionReportsKubernetes132SoTheKubectlDispatcherPicksItsOwnVersion() throws Exception {
    JsonNode v = f.get("/version?timeout=5s").json();
    assertEquals("1", v.path("major").asText());
    assertEquals("32", v.path("minor").asText());
    assertEquals("v1.32.0", v.path("gitVersion").asText());
  }

  @Test
  void aggregatedDiscoveryOnlyWhenV2IsAskedForWithTheExactContentType() throws Exception {
    String both = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    ServerFixture.Res agg = f.send("GET", "/apis", null, null, both);
    assertEquals("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", agg.header("Content-Type"));
    JsonNode apps = null;
    for (JsonNode item : agg.json().path("items")) {
      if (item.path("metadata").path("name").asText().equals("apps")) {
        apps = item;
      }
    }
    JsonNode deploy = null;
    for (JsonNode r : apps.path("versions").path(0).path("resources")) {
      if (r.path("resource").asText().equals("deployments")) {
        deploy = r;
      }
    }
    assertEquals("deploy", deploy.path("shortNames").path(0).asText());
    assertEquals("Scale", deploy.path("subresources").findValues("kind").stream()
        .map(JsonNode::asText).filter("Scale"::equals).findFirst().orElse(""));

    ServerFixture.Res legacy = f.send("GET", "/apis", null, null,
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
    assertEquals("APIGroupList", legacy.json().path("kind").asText());
    ServerFixture.Res core = f.send("GET", "/api", null, null, both);
    assertEquals(1, core.json().path("items").size());
  }

  @Test
  void legacyCoreListHasPodsEvictionForDrain() throws Exception {
    JsonNode l = f.get("/api/v1").json();
    boolean eviction = false;
    for (JsonNode r : l.path("resources")) {
      if (r.path("name").asText().equals("pods/eviction")) {
        eviction = r.path("group").asText().equals("policy") && r.path("kind").asText().equals("Eviction");
      }
    }
    assertTrue(eviction);
    assertEquals(200, f.get("/apis/apps/v1").code());
    assertEquals(404, f.get("/apis/nope/v1").code());
  }

  @Test
  void openApiV3HasPatchWithFieldValidationPerKindAndV2Is404() throws Exception {
    JsonNode idx = f.get("/openapi/v3").json();
    String url = idx.path("paths").path("apis/apps/v1").path("serverRelativeURL").asText();
    JsonNode doc = f.get(url).json();
    JsonNode patch = doc.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
    assertEquals("Deployment", patch.path("x-kubernetes-group-version-kind").path("kind").asText());
    assertEquals("fieldValidation", patch.path("parameters").path(0).path("name").asText());
    assertEquals(404, f.get("/openapi/v2").code());
  }

  @Test
  void healthAndMetrics() throws Exception {
    assertEquals("ok", f.get("/readyz").text());
    assertEquals("ok", f.get("/livez").text());
    f.get("/api/v1/namespaces/default/configmaps");
    String m = f.get("/metrics").text();
    assertTrue(m.contains("apiserver_request_total{code=\"200\",resource=\"configmaps\",verb=\"list\"}"), m);
    assertTrue(m.contains("apiserver_request_duration_seconds_bucket"), m);
    assertTrue(m.contains("apiserver_registered_watchers"), m);
    assertTrue(m.contains("apiserver_storage_duration_seconds"), m);
  }
}
