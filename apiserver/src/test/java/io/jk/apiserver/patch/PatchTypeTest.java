package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PatchTypeTest {

  @Test
  void contentTypesMapToPatchTypes() {
    assertEquals(PatchType.STRATEGIC,
        PatchType.fromContentType("application/strategic-merge-patch+json; charset=utf-8"));
    assertEquals(PatchType.JSON, PatchType.fromContentType("application/json-patch+json"));
    assertEquals(PatchType.MERGE, PatchType.fromContentType("Application/Merge-Patch+JSON"));
    assertEquals(PatchType.APPLY, PatchType.fromContentType("application/apply-patch+yaml"));
    assertNull(PatchType.fromContentType("application/json"));
    assertNull(PatchType.fromContentType(null));
  }

  @Test
  void typesDispatchToTheirImplementation() {
    JsonNode orig = json("{'spec':{'containers':[{'name':'a','image':'1'}]}}");
    PatchSchema pod = PatchSchema.forKind("", "Pod");
    assertEquals(json("{'spec':{'containers':[{'name':'b'},{'name':'a','image':'1'}]}}"),
        PatchType.STRATEGIC.apply(orig, json("{'spec':{'containers':[{'name':'b'}]}}"), pod));
    assertEquals(json("{'spec':{'containers':[{'name':'b'}]}}"),
        PatchType.MERGE.apply(orig, json("{'spec':{'containers':[{'name':'b'}]}}"), pod));
    assertEquals(json("{'spec':{'containers':[{'name':'a','image':'2'}]}}"),
        PatchType.JSON.apply(orig, json(
            "[{'op':'replace','path':'/spec/containers/0/image','value':'2'}]"), pod));
  }

  /** Whatever a client sends, the answer is a result or a PatchException, never a crash. */
  @Test
  void randomPatchesOfEveryTypeFailOnlyWithPatchException() {
    String[] values = {"null", "1", "'s'", "[]", "{}", "[1]", "[{}]", "{'a':{'b':[1,{}]}}",
        "[{'name':'a'}]", "{'$patch':'replace'}", "[{'$patch':'delete','name':'a'}]", "true"};
    String[] paths = {"", "/", "/spec", "/spec/containers/0", "/spec/containers/-",
        "/spec/containers/9", "/a~1b", "/~", "/spec/x/y"};
    String[] ops = {"add", "remove", "replace", "move", "copy", "test", "bogus"};
    JsonNode orig = json("{'metadata':{'name':'a','finalizers':['f']},"
        + "'spec':{'containers':[{'name':'a','env':[{'name':'E'}]}],'x':{'y':1}}}");
    PatchSchema pod = PatchSchema.forKind("", "Pod");
    Random random = new Random(7);
    int applied = 0;
    for (int i = 0; i < 1000; i++) {
      String v = values[random.nextInt(values.length)];
      String jsonPatch = "[{'op':'" + ops[random.nextInt(ops.length)] + "','path':'"
          + paths[random.nextInt(paths.length)] + "','from':'"
          + paths[random.nextInt(paths.length)] + "','value':" + v + "}]";
      String objPatch = "{'spec':{'containers':" + v + ",'x':" + values[random.nextInt(
          values.length)] + "}}";
      for (PatchType t : new PatchType[] {PatchType.JSON, PatchType.MERGE,
          PatchType.STRATEGIC}) {
        try {
          t.apply(orig, json(t == PatchType.JSON ? jsonPatch : objPatch), pod);
          applied++;
        } catch (PatchException expected) {
          assertTrue(expected.statusCode() == 400 || expected.statusCode() == 422);
        }
      }
      try {
        ServerSideApply.apply(orig, json(objPatch), "m", random.nextBoolean(), pod,
            java.time.Instant.EPOCH);
      } catch (PatchException expected) {
        assertTrue(expected.statusCode() == 400);
      }
    }
    assertTrue(applied > 300, "the generator must also produce valid patches: " + applied);
  }
}
