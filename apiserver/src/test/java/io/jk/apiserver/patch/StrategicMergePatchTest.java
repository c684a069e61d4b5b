package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StrategicMergePatchTest {

  private static final PatchSchema POD = PatchSchema.forKind("", "Pod");

  private static final String DEPLOY = "{'apiVersion':'apps/v1','kind':'Deployment',"
      + "'metadata':{'name':'web','namespace':'demo','annotations':{'x':'1'}},"
      + "'spec':{'replicas':2,'strategy':{'type':'RollingUpdate',"
      + "'rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},"
      + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
      + "{'name':'nginx','image':'nginx:1.25','ports':[{'containerPort':80}]},"
      + "{'name':'side','image':'busybox'}]}}}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("kubectl apply: image changed and container removed", "apps/v1", "Deployment", DEPLOY,
            "{'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}'}},"
                + "'spec':{'replicas':3,'template':{'spec':{"
                + "'$setElementOrder/containers':[{'name':'nginx'}],"
                + "'containers':[{'image':'nginx:1.26','name':'nginx'},"
                + "{'$patch':'delete','name':'side'}]}}}}",
            "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
                + "'namespace':'demo','annotations':{'x':'1',"
                + "'kubectl.kubernetes.io/last-applied-configuration':'{}'}},"
                + "'spec':{'replicas':3,'strategy':{'type':'RollingUpdate',"
                + "'rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}},"
                + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
                + "{'name':'nginx','image':'nginx:1.26','ports':[{'containerPort':80}]}]}}}}"),
        Arguments.of("retainKeys: strategy from RollingUpdate to Recreate", "apps/v1", "Deployment", DEPLOY,
            "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':null,"
                + "'type':'Recreate'}}}",
            DEPLOY.replace("'strategy':{'type':'RollingUpdate',"
                + "'rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}}",
                "'strategy':{'type':'Recreate'}")),
        Arguments.of("retainKeys drops keys without an explicit null", "apps/v1", "Deployment", DEPLOY,
            "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}",
            DEPLOY.replace("'strategy':{'type':'RollingUpdate',"
                + "'rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}}",
                "'strategy':{'type':'Recreate'}")),
        Arguments.of("configmap key deletion", "v1", "ConfigMap",
            "{'data':{'a':'1','b':'1','c':'1'}}", "{'data':{'a':null,'b':'2'}}",
            "{'data':{'b':'2','c':'1'}}"),
        Arguments.of("setElementOrder reorders", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
            "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'},{'name':'b'}],"
                + "'containers':[{'name':'c','image':'x'}]}}",
            "{'spec':{'containers':[{'name':'c','image':'x'},{'name':'a'},{'name':'b'}]}}"),
        Arguments.of("setElementOrder alone reorders without changes", "v1", "Pod",
            "{'spec':{'containers':[{'name':'b'},{'name':'a'}]}}",
            "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}]}}",
            "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}"),
        Arguments.of("server-only items keep their live place between ordered ones", "v1", "Pod",
            "{'spec':{'containers':[{'name':'c'},{'name':'b'},{'name':'d'},{'name':'a'},"
                + "{'name':'e'}]}}",
            "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],"
                + "'containers':[{'name':'a','image':'1'},{'name':'b','image':'2'}]}}",
            "{'spec':{'containers':[{'name':'c'},{'name':'d'},"
                + "{'name':'a','image':'1'},{'name':'b','image':'2'},{'name':'e'}]}}"),
        Arguments.of("patch order is kept, server-only items interleave", "v1", "Pod",
            "{'spec':{'containers':[{'name':'B'},{'name':'C'},{'name':'A'}]}}",
            "{'spec':{'containers':[{'name':'A','image':'1'},{'name':'B','image':'1'},"
                + "{'name':'D'}]}}",
            "{'spec':{'containers':[{'name':'C'},{'name':'A','image':'1'},"
                + "{'name':'B','image':'1'},{'name':'D'}]}}"),
        Arguments.of("a new item is merged in front as Kubernetes does", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
            "{'spec':{'containers':[{'name':'c','image':'x'}]}}",
            "{'spec':{'containers':[{'name':'c','image':'x'},{'name':'a'},{'name':'b'}]}}"),
        Arguments.of("env merges by name, null removes a field of an item", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},"
                + "{'name':'Y','valueFrom':{'fieldRef':{'fieldPath':'spec.nodeName'}}}]}]}}",
            "{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'2',"
                + "'valueFrom':null}]}]}}",
            "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},"
                + "{'name':'Y','value':'2'}]}]}}"),
        Arguments.of("container ports merge by containerPort", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}]}]}}",
            "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},"
                + "{'containerPort':443}]}]}}",
            "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http',"
                + "'protocol':'TCP'},{'containerPort':443}]}]}}"),
        Arguments.of("volumeMounts merge by mountPath", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/d','name':'v'}]}]}}",
            "{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/d',"
                + "'readOnly':true}]}]}}",
            "{'spec':{'containers':[{'name':'a','volumeMounts':[{'mountPath':'/d','name':'v',"
                + "'readOnly':true}]}]}}"),
        Arguments.of("tolerations, args and command are replaced", "v1", "Pod",
            "{'spec':{'tolerations':[{'key':'a'},{'key':'b'}],'containers':[{'name':'a',"
                + "'args':['1','2'],'command':['sh']}]}}",
            "{'spec':{'tolerations':[{'key':'c'}],'containers':[{'name':'a','args':['3'],"
                + "'command':['ls']}]}}",
            "{'spec':{'tolerations':[{'key':'c'}],'containers':[{'name':'a','args':['3'],"
                + "'command':['ls']}]}}"),
        Arguments.of("volumes with retainKeys switch source", "v1", "Pod",
            "{'spec':{'volumes':[{'name':'v','emptyDir':{}},{'name':'w','emptyDir':{}}]}}",
            "{'spec':{'volumes':[{'name':'v','$retainKeys':['configMap','name'],"
                + "'configMap':{'name':'cm'}}]}}",
            "{'spec':{'volumes':[{'name':'v','configMap':{'name':'cm'}},"
                + "{'name':'w','emptyDir':{}}]}}"),
        Arguments.of("pod conditions merge by type", "v1", "Pod",
            "{'status':{'conditions':[{'type':'Ready','status':'False'},"
                + "{'type':'PodScheduled','status':'True'}]}}",
            "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
            "{'status':{'conditions':[{'type':'Ready','status':'True'},"
                + "{'type':'PodScheduled','status':'True'}]}}"),
        Arguments.of("node addresses merge by type", "v1", "Node",
            "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'},"
                + "{'type':'Hostname','address':'n1'}]}}",
            "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
            "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'},"
                + "{'type':'Hostname','address':'n1'}]}}"),
        Arguments.of("service ports merge by port", "v1", "Service",
            "{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
            "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
            "{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}"),
        Arguments.of("ownerReferences merge by uid", "v1", "ConfigMap",
            "{'metadata':{'ownerReferences':[{'uid':'1','name':'a'}]}}",
            "{'metadata':{'ownerReferences':[{'uid':'1','controller':true}]}}",
            "{'metadata':{'ownerReferences':[{'uid':'1','name':'a','controller':true}]}}"),
        Arguments.of("finalizers merge as a set", "v1", "Secret",
            "{'metadata':{'finalizers':['a','b']}}", "{'metadata':{'finalizers':['b','c']}}",
            "{'metadata':{'finalizers':['a','b','c']}}"),
        Arguments.of("deleteFromPrimitiveList removes finalizers", "v1", "Pod",
            "{'metadata':{'finalizers':['a','b','c']}}",
            "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','x']}}",
            "{'metadata':{'finalizers':['a','c']}}"),
        Arguments.of("setElementOrder of a primitive list", "v1", "Pod",
            "{'metadata':{'finalizers':['a','b']}}",
            "{'metadata':{'$setElementOrder/finalizers':['b','a','c'],'finalizers':['c']}}",
            "{'metadata':{'finalizers':['b','a','c']}}"),
        Arguments.of("retainKeys entries that are not strings keep nothing (as Kubernetes)",
            "v1", "Pod", "{'spec':{'nodeSelector':{'a':'1'},'hostname':'h'}}",
            "{'spec':{'$retainKeys':[1]}}", "{'spec':{}}"),
        Arguments.of("a deletion list that is not a list is ignored (as Kubernetes)",
            "v1", "Pod", "{'metadata':{'finalizers':['a']}}",
            "{'metadata':{'$deleteFromPrimitiveList/finalizers':'a'}}",
            "{'metadata':{'finalizers':['a']}}"),
        Arguments.of("$patch replace on a list", "v1", "Pod",
            "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
            "{'spec':{'containers':[{'name':'c'},{'$patch':'replace'}]}}",
            "{'spec':{'containers':[{'name':'c'}]}}"),
        Arguments.of("$patch replace on a map", "v1", "Pod",
            "{'spec':{'nodeSelector':{'a':'1','b':'2'}}}",
            "{'spec':{'nodeSelector':{'$patch':'replace','c':'3'}}}",
            "{'spec':{'nodeSelector':{'c':'3'}}}"),
        Arguments.of("$patch delete on a map empties it", "v1", "Pod",
            "{'spec':{'nodeSelector':{'a':'1'}}}", "{'spec':{'nodeSelector':{'$patch':'delete'}}}",
            "{'spec':{'nodeSelector':{}}}"),
        Arguments.of("a list new to the object gets no directives", "v1", "Pod",
            "{'spec':{}}",
            "{'spec':{'$setElementOrder/containers':[{'name':'a'}],"
                + "'containers':[{'name':'a','env':[{'name':'X','value':null}]},"
                + "{'name':'gone','$patch':'delete'}]}}",
            "{'spec':{'containers':[{'name':'a','env':[{'name':'X'}]}]}}"),
        Arguments.of("pod template inside a Job", "batch/v1", "Job",
            "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'1'},"
                + "{'name':'b'}]}}}}",
            "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'2'}]}}}}",
            "{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'2'},"
                + "{'name':'b'}]}}}}"),
        Arguments.of("unknown kinds use merge patch: lists replaced",
            "example.com/v1", "Widget",
            "{'spec':{'items':[{'name':'a'},{'name':'b'}],'x':1}}",
            "{'spec':{'items':[{'name':'c'}],'x':null}}",
            "{'spec':{'items':[{'name':'c'}]}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void applies(String name, String apiVersion, String kind, String original, String patch,
      String want) {
    PatchSchema schema = schemaOf(apiVersion, kind);
    JsonNode orig = json(original);
    JsonNode p = json(patch);
    JsonNode result = StrategicMergePatch.apply(orig, p, schema);
    assertEquals(json(want), result);
    assertEquals(json(original), orig, "original must not change");
    assertEquals(json(patch), p, "patch must not change");
    assertFalse(result.toString().contains("$"), "directives must not be stored: " + result);
  }

  static PatchSchema schemaOf(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    return PatchSchema.forKind(slash < 0 ? "" : apiVersion.substring(0, slash), kind);
  }

  static final String MALFORMED_TARGET =
      "{'metadata':{'finalizers':['x']},'spec':{'containers':[{'name':'a'},{'name':'b'}]}}";

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("patch is a list", "[]", 400),
        Arguments.of("unknown $patch in a map", "{'spec':{'$patch':'frob'}}", 400),
        Arguments.of("$patch merge in a list",
            "{'spec':{'containers':[{'$patch':'merge','name':'a'}]}}", 400),
        Arguments.of("delete without the merge key",
            "{'spec':{'containers':[{'$patch':'delete'}]}}", 400),
        Arguments.of("item without the merge key", "{'spec':{'containers':[{'image':'x'}]}}", 400),
        Arguments.of("retainKeys not a list", "{'spec':{'$retainKeys':'a'}}", 400),
        Arguments.of("patch content not in retainKeys",
            "{'spec':{'$retainKeys':['a'],'b':1}}", 422),
        Arguments.of("setElementOrder not a list",
            "{'spec':{'$setElementOrder/containers':{}}}", 400),
        Arguments.of("setElementOrder contradicts the patch",
            "{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],"
                + "'containers':[{'name':'a'},{'name':'b'}]}}", 400),
        Arguments.of("setElementOrder misses a patched item",
            "{'spec':{'$setElementOrder/containers':[{'name':'a'}],"
                + "'containers':[{'name':'z'}]}}", 400),
        Arguments.of("unknown directive", "{'spec':{'$frob':1}}", 400),
        Arguments.of("mixed element types in a merged list",
            "{'spec':{'containers':[{'name':'a'},'b']}}", 400),
        Arguments.of("list of lists in a merged list",
            "{'metadata':{'finalizers':[['a']]}}", 422));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedPatchesGivePatchException(String name, String patch, int code) {
    JsonNode orig = json(MALFORMED_TARGET);
    PatchException e = assertThrows(PatchException.class,
        () -> StrategicMergePatch.apply(orig, json(patch), POD));
    assertEquals(code, e.statusCode(), e.getMessage());
  }

  @Test
  void randomPatchesNeverThrowAnythingButPatchException() {
    String[] values = {"null", "1", "'s'", "[]", "{}", "[1]", "[{}]", "[{'name':'a'}]",
        "['a']", "{'$patch':'delete'}", "{'$patch':'replace'}", "[{'$patch':'delete'}]",
        "[{'$patch':'x','name':'a'}]", "[[1]]", "{'a':null}", "[null]", "true"};
    String[] keys = {"containers", "finalizers", "$setElementOrder/containers",
        "$deleteFromPrimitiveList/finalizers", "$retainKeys", "$patch", "env", "x"};
    JsonNode orig = json("{'metadata':{'finalizers':['x']},'spec':{'containers':"
        + "[{'name':'a','env':[{'name':'E'}]},{'name':'b'}],'x':[1]}}");
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 3000; i++) {
      String where = random.nextBoolean() ? "spec" : "metadata";
      String patch = "{'" + where + "':{'" + keys[random.nextInt(keys.length)] + "':"
          + values[random.nextInt(values.length)] + ",'" + keys[random.nextInt(keys.length)]
          + "':" + values[random.nextInt(values.length)] + "}}";
      JsonNode p;
      try {
        p = json(patch);
      } catch (IllegalArgumentException duplicateKey) {
        continue;
      }
      try {
        StrategicMergePatch.apply(orig, p, POD);
      } catch (PatchException expected) {
        // fine: a clear 400/422
      } catch (RuntimeException e) {
        throw new AssertionError("patch " + patch + " threw " + e, e);
      }
    }
  }
}
