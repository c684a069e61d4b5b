package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.ResourceStrategy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed objects give field errors, never exceptions, through every method of every strategy. */
class BadInputTest {

  static final String[][] KINDS = {{"", "Pod"}, {"", "Namespace"}, {"", "Node"}, {"", "Service"}, {"", "Endpoints"},
      {"", "ConfigMap"}, {"", "Secret"}, {"", "Event"}, {"", "ServiceAccount"}, {"apps", "Deployment"},
      {"apps", "ReplicaSet"}, {"apps", "DaemonSet"}, {"apps", "StatefulSet"}, {"batch", "Job"}, {"batch", "CronJob"},
      {"coordination.k8s.io", "Lease"}, {"discovery.k8s.io", "EndpointSlice"}, {"policy", "PodDisruptionBudget"},
      {"events.k8s.io", "Event"}, {"scheduling.k8s.io", "PriorityClass"}, {"rbac.authorization.k8s.io", "ClusterRole"},
      {"rbac.authorization.k8s.io", "RoleBinding"}, {"example.com", "Widget"}};

  static final String[] BODIES = {
      "{'metadata':[],'spec':'x','status':5}",
      "{'metadata':{'name':5,'labels':'x','annotations':[1]},'spec':[]}",
      "{'metadata':{'name':'a','labels':{'k':5}},'spec':{'containers':5,'volumes':'v','template':[],'selector':'s',"
          + "'ports':[5,'x',{'port':'80'}],'replicas':'three','strategy':5,'updateStrategy':{'rollingUpdate':5},"
          + "'jobTemplate':{'spec':{'template':{'spec':{'containers':[null]}}}},'schedule':5,'taints':[{}]}}",
      "{'metadata':{'name':'a','ownerReferences':[5,{}]},'spec':{'containers':[{'name':[],'ports':[{'containerPort':'x'}],"
          + "'resources':{'limits':{'cpu':[]},'requests':'x'},'env':[5],'volumeMounts':[{}],'livenessProbe':5}],"
          + "'tolerations':[5,{'operator':'Bad','tolerationSeconds':'x'}]},'data':{'a':5},'subsets':[{'addresses':[{'ip':5}]}],"
          + "'endpoints':[{'addresses':'x'}],'involvedObject':'x','regarding':5,'value':'high','type':[]}",
      "{'metadata':{'name':'a','creationTimestamp':'not a time','deletionTimestamp':5},'status':{'conditions':[5,{'type':5}],"
          + "'containerStatuses':[{'state':5,'lastState':{'terminated':{'finishedAt':'x'}}}],'initContainerStatuses':'x',"
          + "'podIPs':[{'ip':5}],'capacity':{'cpu':'lots'},'loadBalancer':{'ingress':5}}}"};

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String[] k : KINDS) {
      for (int i = 0; i < BODIES.length; i++) {
        out.add(Arguments.of(k[1] + " (" + k[0] + ") body " + i, k[0], k[1], BODIES[i]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void neverThrows(String name, String group, String kind, String body) {
    ResourceStrategy s = Strategies.forKind(group, kind);
    ObjectNode obj = Fixtures.json(body);
    obj.put("kind", kind);
    ObjectNode old = obj.deepCopy();
    s.prepareForCreate(obj);
    s.applyDefaults(obj);
    List<?> errs = s.validate(obj);
    ObjectNode upd = obj.deepCopy();
    s.prepareForUpdate(upd, old);
    s.applyDefaults(upd);
    s.validateUpdate(upd, old);
    ObjectNode st = obj.deepCopy();
    s.prepareForStatusUpdate(st, old);
    s.validateUpdate(st, old);
    s.selectableFields(obj);
    s.tableCells(obj, Instant.now());
    s.tableCells(old, Instant.now());
    UnknownFields.find(group, "v1", kind, obj);
    // The last body is malformed only in fields the server sets or ignores (timestamps, status).
    if (!kind.equals("Widget") && !body.equals(BODIES[BODIES.length - 1])) {
      assertFalse(errs.isEmpty(), "malformed " + kind + " is rejected");
    }
  }
}
