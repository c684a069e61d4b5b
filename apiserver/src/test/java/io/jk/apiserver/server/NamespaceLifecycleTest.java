package io.jk.apiserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Namespace lifecycle admission right after the namespace's own writes: the watch cache follows the
 * store asynchronously, yet a client that got the reply of a namespace write must see its effect
 * on the next create (before the fix, about 1 in 40 creates sent right after the namespace's DELETE
 * was answered slipped through with 201).
 */
class NamespaceLifecycleTest {

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
  void contentSentRightAfterItsNamespaceDeletionAnsweredIsAlwaysRefused() throws Exception {
    List<String> slipped = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      String ns = "gone-" + i;
      assertEquals(201, f.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").code());
      assertEquals(200, f.delete("/api/v1/namespaces/" + ns, null).code());
      ServerFixture.Res r = f.post("/api/v1/namespaces/" + ns + "/configmaps", RestApiTest.cm("x", "", ""));
      if (r.code() != 403) {
        slipped.add(ns + "=" + r.code());
      }
    }
    assertEquals(List.of(), slipped, "creates admitted into a namespace being deleted");
  }

  @Test
  void finalizedNamespaceRefusesContentAtOnceAndItsRecreationTakesContentAtOnce() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String ns = "again-" + i;
      assertEquals(201, f.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").code());
      JsonNode d = f.delete("/api/v1/namespaces/" + ns, null).json();
      ((ObjectNode) d.path("spec")).putArray("finalizers");
      assertEquals(200, f.put("/api/v1/namespaces/" + ns + "/finalize", d.toString()).code());
      int afterRemoval = f.post("/api/v1/namespaces/" + ns + "/configmaps", RestApiTest.cm("x", "", "")).code();
      if (afterRemoval != 404) {
        wrong.add(ns + " removed: " + afterRemoval);
      }
      assertEquals(201, f.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").code());
      int afterRecreation = f.post("/api/v1/namespaces/" + ns + "/configmaps", RestApiTest.cm("x", "", "")).code();
      if (afterRecreation != 201) {
        wrong.add(ns + " recreated: " + afterRecreation);
      }
    }
    assertEquals(List.of(), wrong);
  }
}
