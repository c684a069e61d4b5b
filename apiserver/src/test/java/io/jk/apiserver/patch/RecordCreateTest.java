package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The create path's in-place managedFields bookkeeping gives exactly what the general
 * {@link ServerSideApply#recordUpdate} gives for a create (same entries, same FieldsV1, same order).
 */
class RecordCreateTest {

  private static final Instant NOW = Instant.parse("2026-11-25T21:00:07.123Z");
  private static final PatchSchema POD = PatchSchema.forKind("", "Pod");
  private static final PatchSchema DEPLOY = PatchSchema.forKind("apps", "Deployment");
  private static final PatchSchema SVC = PatchSchema.forKind("", "Service");

  static Stream<Arguments> objects() {
    return Stream.of(
        Arguments.of("a pod with keyed containers, ports, env, set-like lists and bookkeeping metadata", POD, null,
            "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'ns','uid':'u','creationTimestamp':'t',"
                + "'labels':{'app':'web','tier':'x'},'annotations':{'a/b':'1'},'finalizers':['f1','f2']},"
                + "'spec':{'containers':[{'name':'web','image':'i','ports':[{'containerPort':8080,'protocol':'TCP'}],"
                + "'env':[{'name':'A','value':'1'},{'name':'B','valueFrom':{'fieldRef':{'fieldPath':'x'}}}],"
                + "'resources':{'requests':{'cpu':'100m'}},'readinessProbe':{'httpGet':{'path':'/','port':8080}}},"
                + "{'name':'side','image':'j','args':['a','b']}],'nodeSelector':{'k':'v'},"
                + "'tolerations':[{'key':'bench','operator':'Exists'}],'volumes':[]},"
                + "'status':{'phase':'Pending','qosClass':'Burstable'}}"),
        Arguments.of("the status subresource owns only status", POD, "status",
            "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'a':'b'}},"
                + "'spec':{'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Running','conditions':"
                + "[{'type':'Ready','status':'True'}]}}"),
        Arguments.of("nulls, empty objects, empty metadata and managedFields in the body", DEPLOY, null,
            "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d','generation':3,"
                + "'managedFields':[{'manager':'old','operation':'Update','fieldsV1':{'f:spec':{}}}]},"
                + "'spec':{'replicas':null,'paused':false,'strategy':{},'selector':{'matchLabels':{'a':'b'}},"
                + "'template':{'metadata':{'labels':{'a':'b'}},'spec':{'containers':[{'name':'c','image':'i'}]}}}}"),
        Arguments.of("keyed lists with an item lacking its key are owned whole; duplicate keys merge", POD, null,
            "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':["
                + "{'name':'a','image':'i','env':[{'value':'nokey'}]},{'name':'a','image':'j','command':['x']}],"
                + "'initContainers':[{'image':'no-name'}]}}"),
        Arguments.of("only bookkeeping fields: no entry at all", SVC, null,
            "{'apiVersion':'v1','kind':'Service','metadata':{'name':'s','uid':'u'}}"),
        Arguments.of("no metadata, an unknown kind's schema", PatchSchema.NONE, null,
            "{'apiVersion':'x/v1','kind':'Thing','spec':{'list':[{'a':1},{'a':2}],'n':1}}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("objects")
  void sameAsTheGeneralBookkeeping(String name, PatchSchema schema, String subresource, String object) {
    ObjectNode obj = (ObjectNode) json(object);
    ObjectNode expected = ServerSideApply.recordUpdate(null, obj, "bench-client", subresource, schema, NOW);
    ObjectNode in = obj.deepCopy();
    ObjectNode got = ServerSideApply.recordCreateInPlace(in, "bench-client", subresource, schema, NOW);
    assertSame(in, got, "in place");
    assertEquals(expected, got);
    assertEquals(expected.toString(), got.toString(), "same field order when serialized");
  }
}
