package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The values {@code --field-selector} matches against, per kind. */
class SelectableFieldsTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("pod", "", "{'kind':'Pod','metadata':{'name':'p','namespace':'d'},'spec':{'nodeName':'n1','restartPolicy':"
            + "'Never','schedulerName':'s','serviceAccountName':'sa'},'status':{'phase':'Running','podIP':'10.1.0.5'}}",
            Map.of("metadata.name", "p", "metadata.namespace", "d", "spec.nodeName", "n1", "spec.restartPolicy", "Never",
                "spec.schedulerName", "s", "spec.serviceAccountName", "sa", "spec.hostNetwork", "false",
                "status.phase", "Running", "status.podIP", "10.1.0.5", "status.nominatedNodeName", "")),
        Arguments.of("unscheduled pod matches an empty nodeName", "", "{'kind':'Pod','metadata':{'name':'p'}}",
            Map.of("metadata.name", "p", "metadata.namespace", "", "spec.nodeName", "", "spec.restartPolicy", "",
                "spec.schedulerName", "", "spec.serviceAccountName", "", "spec.hostNetwork", "false",
                "status.phase", "", "status.podIP", "", "status.nominatedNodeName", "")),
        Arguments.of("node", "", "{'kind':'Node','metadata':{'name':'n1'},'spec':{'unschedulable':true}}",
            Map.of("metadata.name", "n1", "metadata.namespace", "", "spec.unschedulable", "true")),
        Arguments.of("secret", "", "{'kind':'Secret','metadata':{'name':'s','namespace':'d'},'type':'Opaque'}",
            Map.of("metadata.name", "s", "metadata.namespace", "d", "type", "Opaque")),
        Arguments.of("namespace", "", "{'kind':'Namespace','metadata':{'name':'n'},'status':{'phase':'Terminating'}}",
            Map.of("metadata.name", "n", "metadata.namespace", "", "status.phase", "Terminating")),
        Arguments.of("replicaset", "apps", "{'kind':'ReplicaSet','metadata':{'name':'r','namespace':'d'},'status':{'replicas':2}}",
            Map.of("metadata.name", "r", "metadata.namespace", "d", "status.replicas", "2")),
        Arguments.of("job", "batch", "{'kind':'Job','metadata':{'name':'j','namespace':'d'},'status':{'succeeded':1}}",
            Map.of("metadata.name", "j", "metadata.namespace", "d", "status.successful", "1")),
        Arguments.of("core event", "", "{'kind':'Event','metadata':{'name':'e','namespace':'d'},'involvedObject':{'kind':'Pod',"
            + "'namespace':'d','name':'p','uid':'u','apiVersion':'v1','resourceVersion':'5','fieldPath':'spec'},'reason':'Started',"
            + "'reportingComponent':'kubelet','source':{'component':'kubelet'},'type':'Normal'}",
            Map.ofEntries(Map.entry("metadata.name", "e"), Map.entry("metadata.namespace", "d"),
                Map.entry("involvedObject.kind", "Pod"), Map.entry("involvedObject.namespace", "d"),
                Map.entry("involvedObject.name", "p"), Map.entry("involvedObject.uid", "u"),
                Map.entry("involvedObject.apiVersion", "v1"), Map.entry("involvedObject.resourceVersion", "5"),
                Map.entry("involvedObject.fieldPath", "spec"), Map.entry("reason", "Started"),
                Map.entry("reportingComponent", "kubelet"), Map.entry("source", "kubelet"), Map.entry("type", "Normal"))),
        Arguments.of("events.k8s.io event uses the core names", "events.k8s.io", "{'kind':'Event','metadata':{'name':'e',"
            + "'namespace':'d'},'regarding':{'kind':'Pod','name':'p'},'reason':'Scheduled','reportingController':'sched',"
            + "'type':'Normal'}",
            Map.ofEntries(Map.entry("metadata.name", "e"), Map.entry("metadata.namespace", "d"),
                Map.entry("involvedObject.kind", "Pod"), Map.entry("involvedObject.namespace", ""),
                Map.entry("involvedObject.name", "p"), Map.entry("involvedObject.uid", ""),
                Map.entry("involvedObject.apiVersion", ""), Map.entry("involvedObject.resourceVersion", ""),
                Map.entry("involvedObject.fieldPath", ""), Map.entry("reason", "Scheduled"),
                Map.entry("reportingComponent", "sched"), Map.entry("source", ""), Map.entry("type", "Normal"))),
        Arguments.of("others have name and namespace", "", "{'kind':'ConfigMap','metadata':{'name':'c','namespace':'d'}}",
            Map.of("metadata.name", "c", "metadata.namespace", "d")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exposesFieldsForSelectors(String name, String group, String json, Map<String, String> want) {
    ObjectNode obj = Fixtures.json(json);
    assertEquals(want, Strategies.forKind(group, obj.get("kind").asText()).selectableFields(obj));
  }
}
