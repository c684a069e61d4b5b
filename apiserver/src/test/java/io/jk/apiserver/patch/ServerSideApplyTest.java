package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerSideApplyTest {

  private static final Instant T0 = Instant.parse("2026-11-25T20:00:00Z");
  private static final Instant T1 = Instant.parse("2026-11-25T20:05:00Z");
  private static final PatchSchema CM = PatchSchema.forKind("", "ConfigMap");
  private static final PatchSchema DEPLOY = PatchSchema.forKind("apps", "Deployment");

  private static ObjectNode applyOk(JsonNode live, String applied, String manager,
      PatchSchema schema) {
    ServerSideApply.Result r = ServerSideApply.apply(live, json(applied), manager, false, schema,
        T0);
    assertTrue(r.ok(), r.conflictMessage());
    return r.object();
  }

  private static ObjectNode withoutManagedFields(ObjectNode obj) {
    ObjectNode copy = obj.deepCopy();
    ((ObjectNode) copy.get("metadata")).remove("managedFields");
    return copy;
  }

  @Test
  void createRecordsTheAppliedFieldsAsFieldsV1() {
    ObjectNode obj = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap',"
        + "'metadata':{'name':'cfg','labels':{'app':'web'}},'data':{'a':'1'}}", "kubectl", CM);
    assertEquals(json("{'apiVersion':'v1','kind':'ConfigMap',"
        + "'metadata':{'name':'cfg','labels':{'app':'web'}},'data':{'a':'1'}}"),
        withoutManagedFields(obj));
    assertEquals(json("[{'manager':'kubectl','operation':'Apply','apiVersion':'v1',"
        + "'time':'2026-11-25T20:00:00Z','fieldsType':'FieldsV1','fieldsV1':{"
        + "'f:data':{'f:a':{}},'f:metadata':{'f:labels':{'f:app':{}}}}}]"),
        obj.at("/metadata/managedFields"));
  }

  @Test
  void keyedListItemsAreOwnedWithTheirFields() {
    ObjectNode obj = applyOk(null, "{'apiVersion':'apps/v1','kind':'Deployment',"
        + "'metadata':{'name':'web'},'spec':{'template':{'spec':{'containers':["
        + "{'name':'nginx','image':'nginx:1.25'}]}}}}", "kubectl", DEPLOY);
    assertEquals(json("{'f:spec':{'f:template':{'f:spec':{'f:containers':{"
        + "'k:{\\'name\\':\\'nginx\\'}':{'.':{},'f:image':{},'f:name':{}}}}}}}"
        .replace("\\'", "\\\"")), obj.at("/metadata/managedFields/0/fieldsV1"));
  }

  @Test
  void fieldsNoLongerAppliedAreRemoved() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1','b':'2'}}", "kubectl", CM);
    ObjectNode v2 = applyOk(v1, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1'}}", "kubectl", CM);
    assertEquals(json("{'a':'1'}"), v2.get("data"));
  }

  @Test
  void removedFieldsOwnedByAnotherManagerStay() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1','b':'2'}}", "kubectl", CM);
    ObjectNode v2 = applyOk(v1, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'b':'2'}}", "other", CM);
    ObjectNode v3 = applyOk(v2, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1'}}", "kubectl", CM);
    assertEquals(json("{'a':'1','b':'2'}"), v3.get("data"));
    assertEquals(2, v3.at("/metadata/managedFields").size());
  }

  @Test
  void changingAFieldAnotherManagerOwnsConflictsUnlessForced() {
    String created = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
        + "'spec':{'replicas':2}}";
    ObjectNode live = ServerSideApply.recordUpdate(null, (ObjectNode) json(created),
        "kubectl-client-side-apply", null, DEPLOY, T0);
    String applied = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},"
        + "'spec':{'replicas':3}}";

    ServerSideApply.Result r = ServerSideApply.apply(live, json(applied), "kubectl", false,
        DEPLOY, T1);
    assertFalse(r.ok());
    assertNull(r.object());
    assertEquals("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\""
        + " using apps/v1: .spec.replicas", r.conflictMessage());
    assertEquals(".spec.replicas", r.conflicts().get(0).field());

    ServerSideApply.Result forced = ServerSideApply.apply(live, json(applied), "kubectl", true,
        DEPLOY, T1);
    assertTrue(forced.ok());
    assertEquals(3, forced.object().at("/spec/replicas").asInt());
    assertEquals(List.of("kubectl/Apply"),
        List.copyOf(ServerSideApply.ownership(forced.object()).keySet()),
        "the forced field moved to the applier and the emptied entry is gone");
  }

  @Test
  void applyingTheSameValueSharesOwnershipWithoutConflict() {
    String body = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg'},"
        + "'data':{'a':'1'}}";
    ObjectNode v1 = applyOk(null, body, "one", CM);
    ObjectNode v2 = applyOk(v1, body, "two", CM);
    assertEquals(2, ServerSideApply.ownership(v2).size());
  }

  @Test
  void containersDroppedFromTheConfigAreRemovedButOthersContainersStay() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
        + "{'name':'web'},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'1'},"
        + "{'name':'b','image':'1'}]}}}}", "kubectl", DEPLOY);
    ObjectNode edited = v1.deepCopy();
    ((com.fasterxml.jackson.databind.node.ArrayNode) edited.at("/spec/template/spec/containers"))
        .add(json("{'name':'injected','image':'x'}"));
    ObjectNode v2 = ServerSideApply.recordUpdate(v1, edited, "injector", null, DEPLOY, T1);
    ObjectNode v3 = applyOk(v2, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
        + "{'name':'web'},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'2'}]}}}}",
        "kubectl", DEPLOY);
    assertEquals(json("[{'name':'a','image':'2'},{'name':'injected','image':'x'}]"),
        v3.at("/spec/template/spec/containers"));
  }

  @Test
  void finalizersAreASet() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg','finalizers':['a']}}", "one", CM);
    ObjectNode v2 = applyOk(v1, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg','finalizers':['b']}}", "two", CM);
    assertEquals(json("['a','b']"), v2.at("/metadata/finalizers"));
    ObjectNode v3 = applyOk(v2, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'}}", "one", CM);
    assertEquals(json("['b']"), v3.at("/metadata/finalizers"));
  }

  @Test
  void updatesTakeOwnershipOfWhatTheyChange() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
        + "{'name':'web'},'spec':{'replicas':1,'paused':false}}", "kubectl", DEPLOY);
    ObjectNode scaled = v1.deepCopy();
    scaled.with("spec").put("replicas", 5);
    ObjectNode v2 = ServerSideApply.recordUpdate(v1, scaled, "hpa", null, DEPLOY, T1);
    var owners = ServerSideApply.ownership(v2);
    assertEquals(List.of(new FieldPath(List.of("f:spec", "f:paused"))),
        List.copyOf(owners.get("kubectl/Apply")));
    assertEquals(List.of(new FieldPath(List.of("f:spec", "f:replicas"))),
        List.copyOf(owners.get("hpa/Update")));
    assertEquals("2026-11-25T20:05:00Z", v2.at("/metadata/managedFields/1/time").asText());
    // re-applying the old replicas now conflicts with the updater
    ServerSideApply.Result r = ServerSideApply.apply(v2, json("{'apiVersion':'apps/v1',"
        + "'kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':1,'paused':false}}"),
        "kubectl", false, DEPLOY, T1);
    assertEquals("Apply failed with 1 conflict: conflict with \"hpa\" using apps/v1:"
        + " .spec.replicas", r.conflictMessage());
  }

  @Test
  void statusIsNotOwnedThroughTheMainResource() {
    ObjectNode obj = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg','uid':'u','resourceVersion':'5'},'status':{'x':1},'data':{'a':'1'}}",
        "kubectl", CM);
    assertEquals(json("{'f:data':{'f:a':{}}}"), obj.at("/metadata/managedFields/0/fieldsV1"));
    ObjectNode st = ServerSideApply.recordUpdate(obj, (ObjectNode) obj.deepCopy()
        .set("status", json("{'x':2}")), "kubelet", "status", CM, T1);
    assertEquals("status", st.at("/metadata/managedFields/1/subresource").asText());
    assertEquals(json("{'f:status':{'f:x':{}}}"), st.at("/metadata/managedFields/1/fieldsV1"));
  }

  @Test
  void aRepeatedApplyChangesNothing() {
    String body = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg'},"
        + "'data':{'a':'1'}}";
    ObjectNode v1 = applyOk(null, body, "kubectl", CM);
    ServerSideApply.Result again = ServerSideApply.apply(v1, json(body), "kubectl", false, CM, T1);
    assertEquals(v1, again.object(), "same object and same managedFields time: no write needed");
    ServerSideApply.Result changed = ServerSideApply.apply(v1, json(body.replace("'1'", "'2'")),
        "kubectl", false, CM, T1);
    assertEquals("2026-11-25T20:05:00Z",
        changed.object().at("/metadata/managedFields/0/time").asText());
  }

  @Test
  void conflictsWithSeveralManagersAreGroupedByManager() {
    ObjectNode live = (ObjectNode) json("{'apiVersion':'apps/v1','kind':'Deployment',"
        + "'metadata':{'name':'web'},'spec':{'replicas':2,'paused':true,'minReadySeconds':5}}");
    live = ServerSideApply.recordUpdate(null, live, "b-controller", null, DEPLOY, T0);
    ObjectNode edited = live.deepCopy();
    edited.with("spec").put("minReadySeconds", 6);
    live = ServerSideApply.recordUpdate(live, edited, "a-editor", null, DEPLOY, T0);
    ServerSideApply.Result r = ServerSideApply.apply(live, json("{'apiVersion':'apps/v1',"
        + "'kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':3,'paused':false,"
        + "'minReadySeconds':7}}"), "kubectl", false, DEPLOY, T1);
    assertEquals("Apply failed with 3 conflicts: conflicts with \"a-editor\" using apps/v1:\n"
        + "- .spec.minReadySeconds\nconflicts with \"b-controller\" using apps/v1:\n"
        + "- .spec.replicas\n- .spec.paused", r.conflictMessage());
    assertEquals(3, r.conflicts().size());
  }

  @Test
  void applyThroughTheStatusSubresourceOwnsOnlyStatus() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1'}}", "kubectl", CM);
    ServerSideApply.Result r = ServerSideApply.apply(v1, json("{'apiVersion':'v1',"
        + "'kind':'ConfigMap','metadata':{'name':'cfg'},'status':{'phase':'Ok'}}"), "kubectl",
        false, CM, T1, "status");
    assertTrue(r.ok());
    assertEquals("Ok", r.object().at("/status/phase").asText());
    assertEquals(json("{'a':'1'}"), r.object().get("data"), "the main entry's fields stay");
    assertEquals(List.of("kubectl/Apply", "kubectl/Apply/status"),
        List.copyOf(ServerSideApply.ownership(r.object()).keySet()));
  }

  @Test
  void badInputIsAPatchException() {
    assertEquals(400, assertThrows(PatchException.class, () -> ServerSideApply.apply(null,
        json("{'metadata':{'managedFields':[]}}"), "kubectl", false, CM, T0)).statusCode());
    assertEquals(400, assertThrows(PatchException.class, () -> ServerSideApply.apply(null,
        json("[1]"), "kubectl", false, CM, T0)).statusCode());
    assertEquals(400, assertThrows(PatchException.class, () -> ServerSideApply.apply(null,
        json("{}"), "", false, CM, T0)).statusCode());
  }

  @Test
  void inputsAreNotChanged() {
    ObjectNode v1 = applyOk(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':"
        + "{'name':'cfg'},'data':{'a':'1','b':'2'}}", "kubectl", CM);
    ObjectNode before = v1.deepCopy();
    JsonNode applied = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg'},"
        + "'data':{'a':null}}");
    JsonNode appliedBefore = applied.deepCopy();
    ServerSideApply.apply(v1, applied, "kubectl", false, CM, T1);
    assertEquals(before, v1);
    assertEquals(appliedBefore, applied);
  }
}
