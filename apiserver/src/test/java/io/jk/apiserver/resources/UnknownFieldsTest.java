package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UnknownFieldsTest {

  static final String DEPLOY = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web',"
      + "'labels':{'app':'web'},'annotations':{'any/thing':'x'}},"
      + "'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},"
      + "'strategy':{'rollingUpdate':{'maxSurge':'25%','maxUnavailable':1}},"
      + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'nginx',"
      + "'resources':{'limits':{'cpu':'1','memory':'1Gi'}},'ports':[{'containerPort':80}],"
      + "'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'}}}]}],"
      + "'nodeSelector':{'disk':'ssd'}}}},'status':{'replicas':1}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a valid deployment has none", "apps", "v1", "Deployment", DEPLOY, List.of()),
        Arguments.of("an unknown spec field", "apps", "v1", "Deployment", DEPLOY.replace("'replicas':2", "'replicas':2,'foo':1"),
            List.of("spec.foo")),
        Arguments.of("a misspelt container field", "apps", "v1", "Deployment", DEPLOY.replace("'image':'nginx'", "'imagee':'nginx'"),
            List.of("spec.template.spec.containers[0].imagee")),
        Arguments.of("unknown metadata and top-level fields", "", "v1", "Pod",
            "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','nam':'x'},'spex':{}}", List.of("metadata.nam", "spex")),
        Arguments.of("inside a volume source", "", "v1", "Pod",
            "{'kind':'Pod','spec':{'volumes':[{'name':'v','configMap':{'name':'c','mode':1}}]}}",
            List.of("spec.volumes[0].configMap.mode")),
        Arguments.of("config map data is free-form", "", "v1", "ConfigMap",
            "{'kind':'ConfigMap','data':{'anything':'goes'},'binaryData':{'b':'AAA='}}", List.of()),
        Arguments.of("managed fields are free-form", "", "v1", "ConfigMap",
            "{'kind':'ConfigMap','metadata':{'name':'c','managedFields':[{'manager':'kubectl','operation':'Apply',"
                + "'fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}},'time':'2026-01-01T00:00:00Z'}]}}", List.of()),
        Arguments.of("pod status from a kubelet", "", "v1", "Pod",
            "{'kind':'Pod','status':{'phase':'Running','conditions':[{'type':'Ready','status':'True','lastTransitionTime':"
                + "'2026-01-01T00:00:00Z'}],'containerStatuses':[{'name':'c','state':{'running':{'startedAt':'x'}},"
                + "'lastState':{},'ready':true,'restartCount':0,'image':'i','imageID':'','started':true,'bogus':1}]}}",
            List.of("status.containerStatuses[0].bogus")),
        Arguments.of("a kind without schema is not checked", "example.com", "v1", "Widget",
            "{'kind':'Widget','whatever':1}", List.of()),
        Arguments.of("events.k8s.io field names", "events.k8s.io", "v1", "Event",
            "{'kind':'Event','regarding':{'kind':'Pod'},'note':'x','involvedObject':{}}", List.of("involvedObject")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void findsUnknownFields(String name, String group, String version, String kind, String json, List<String> want) {
    ObjectNode obj = Fixtures.json(json);
    assertEquals(want, UnknownFields.find(group, version, kind, obj));
  }

  @Test
  void isFastEnoughForEveryWrite() {
    ObjectNode obj = Fixtures.json(DEPLOY);
    UnknownFields.find("apps", "v1", "Deployment", obj);
    long start = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      UnknownFields.find("apps", "v1", "Deployment", obj);
    }
    long perCallMicros = (System.nanoTime() - start) / 10_000 / 1000;
    assertTrue(perCallMicros < 200, "one check took " + perCallMicros + "us");
  }
}
