package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A dryRun value other than All is a 400 and writes nothing (it was taken as a real write). */
class DryRunValuesTest {

  static ServerFixture f;
  static final String CMS = "/api/v1/namespaces/default/configmaps";

  @BeforeAll
  static void up() throws Exception {
    f = new ServerFixture();
  }

  @AfterAll
  static void down() throws Exception {
    f.close();
  }

  static String cm(String name, String value) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"" + value + "\"}}";
  }

  @Test
  void unknownDryRunValuesAreRefusedOnEveryVerb() throws Exception {
    var create = f.post(CMS + "?dryRun=Bogus", cm("c1", "v"));
    assertEquals(400, create.code(), create.text());
    assertEquals("dryRun: Unsupported value: \"Bogus\": supported values: \"All\"", create.json().path("message").asText());
    assertEquals(404, f.get(CMS + "/c1").code());

    assertEquals(201, f.post(CMS, cm("c2", "v1")).code());
    var put = f.put(CMS + "/c2?dryRun=true", cm("c2", "v2"));
    assertEquals(400, put.code(), put.text());
    var patch = f.patch(CMS + "/c2?dryRun=", "application/merge-patch+json", "{\"data\":{\"k\":\"v3\"}}");
    assertEquals(400, patch.code(), patch.text());
    var del = f.delete(CMS + "/c2?dryRun=yes", null);
    assertEquals(400, del.code(), del.text());
    var delBody = f.delete(CMS + "/c2", "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"dryRun\":[\"Maybe\"]}");
    assertEquals(400, delBody.code(), delBody.text());
    assertEquals("v1", f.get(CMS + "/c2").json().path("data").path("k").asText());

    var dry = f.post(CMS + "?dryRun=All", cm("c3", "v"));
    assertEquals(201, dry.code(), dry.text());
    assertEquals(404, f.get(CMS + "/c3").code());
  }
}
