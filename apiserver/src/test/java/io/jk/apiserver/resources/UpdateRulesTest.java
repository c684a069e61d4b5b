package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.ResourceStrategy;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Updates through the strategies as the handler runs them: what may change, what is kept, generation. */
class UpdateRulesTest {

  static final String POD = "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'d','uid':'u'},"
      + "'spec':{'containers':[{'name':'c','image':'nginx:1'}]}}";
  static final String DEPLOY = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'d','uid':'u'},"
      + "'spec':{'selector':{'matchLabels':{'app':'x'}},'template':{'metadata':{'labels':{'app':'x'}},"
      + "'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}";
  static final String JOB = "{'kind':'Job','metadata':{'name':'j','uid':'u'},'spec':{'template':{'spec':{'restartPolicy':'Never',"
      + "'containers':[{'name':'c','image':'busybox'}]}}}}";

  /** Creates {@code json} as the handler would, returning the stored object. */
  static ObjectNode created(String group, String json) {
    ObjectNode obj = Fixtures.json(json);
    ResourceStrategy s = Strategies.forKind(group, obj.get("kind").asText());
    s.prepareForCreate(obj);
    s.applyDefaults(obj);
    assertEquals(List.of(), s.validate(obj), "fixture is valid");
    return obj;
  }

  /** Updates the stored object with {@code change} applied, returning the errors. */
  static List<String> update(String group, ObjectNode old, Consumer<ObjectNode> change) {
    ObjectNode obj = old.deepCopy();
    change.accept(obj);
    ResourceStrategy s = Strategies.forKind(group, obj.get("kind").asText());
    s.prepareForUpdate(obj, old);
    s.applyDefaults(obj);
    return s.validateUpdate(obj, old).stream().map(e -> e.field() + ": " + e.message()).toList();
  }

  static ObjectNode spec(ObjectNode o) {
    return (ObjectNode) o.get("spec");
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a pod's image may change", "", POD,
            (Consumer<ObjectNode>) o -> ((ObjectNode) spec(o).get("containers").get(0)).put("image", "nginx:2"), null),
        Arguments.of("a pod's other container fields may not", "", POD,
            (Consumer<ObjectNode>) o -> ((ObjectNode) spec(o).get("containers").get(0)).put("workingDir", "/x"),
            "spec: Forbidden: pod updates may not change fields other than"),
        Arguments.of("tolerations may be added", "", POD,
            (Consumer<ObjectNode>) o -> spec(o).withArray("tolerations").addObject().put("key", "k").put("operator", "Exists"), null),
        Arguments.of("tolerations may not be removed", "", POD,
            (Consumer<ObjectNode>) o -> spec(o).withArray("tolerations").remove(0), "spec: Forbidden"),
        Arguments.of("the node name is set once by binding", "", POD,
            (Consumer<ObjectNode>) o -> spec(o).put("nodeName", "n1"), null),
        Arguments.of("pod labels may change", "", POD,
            (Consumer<ObjectNode>) o -> ((ObjectNode) o.get("metadata")).putObject("labels").put("a", "b"), null),
        Arguments.of("a deployment's selector is immutable", "apps", DEPLOY,
            (Consumer<ObjectNode>) o -> ((ObjectNode) spec(o).get("selector").get("matchLabels")).put("tier", "x"),
            "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\", \"tier\":\"x\"}"),
        Arguments.of("a deployment may scale", "apps", DEPLOY, (Consumer<ObjectNode>) o -> spec(o).put("replicas", 5), null),
        Arguments.of("a job's template is immutable", "batch", JOB,
            (Consumer<ObjectNode>) o -> ((ObjectNode) spec(o).get("template").get("spec").get("containers").get(0)).put("image", "x"),
            "spec.template: Invalid value"),
        Arguments.of("a job's parallelism may change", "batch", JOB, (Consumer<ObjectNode>) o -> spec(o).put("parallelism", 3), null),
        Arguments.of("a service's clusterIP is immutable", "", "{'kind':'Service','metadata':{'name':'s'},'spec':{'clusterIP':"
            + "'10.96.0.5','ports':[{'port':80}]}}", (Consumer<ObjectNode>) o -> spec(o).put("clusterIP", "10.96.0.6"),
            "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.6\"}: may not change once set"),
        Arguments.of("an immutable configmap keeps its data", "", "{'kind':'ConfigMap','metadata':{'name':'c'},'immutable':true,"
            + "'data':{'a':'1'}}", (Consumer<ObjectNode>) o -> ((ObjectNode) o.get("data")).put("a", "2"),
            "data: Forbidden: field is immutable when `immutable` is set"),
        Arguments.of("a statefulset's service name is immutable", "apps", DEPLOY.replace("Deployment", "StatefulSet"),
            (Consumer<ObjectNode>) o -> spec(o).put("serviceName", "other"), "spec: Forbidden: updates to statefulset spec"),
        Arguments.of("a secret's type is immutable", "", "{'kind':'Secret','metadata':{'name':'s'}}",
            (Consumer<ObjectNode>) o -> o.put("type", "kubernetes.io/ssh-auth"), "type: Invalid value: \"kubernetes.io/ssh-auth\": field is immutable"),
        Arguments.of("system RBAC names are accepted and roleRef is immutable", "rbac.authorization.k8s.io",
            "{'kind':'ClusterRoleBinding','metadata':{'name':'system:node'},'roleRef':{'apiGroup':'rbac.authorization.k8s.io',"
                + "'kind':'ClusterRole','name':'system:node'},'subjects':[{'kind':'Group','name':'system:nodes'}]}",
            (Consumer<ObjectNode>) o -> ((ObjectNode) o.get("roleRef")).put("name", "admin"), "roleRef: Invalid value"),
        Arguments.of("a priority class value is immutable", "scheduling.k8s.io", "{'kind':'PriorityClass','metadata':{'name':'hi'},"
            + "'value':10}", (Consumer<ObjectNode>) o -> o.put("value", 11), "value: Forbidden: may not be changed in an update."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void enforcesUpdateRules(String name, String group, String json, Consumer<ObjectNode> change, String wantPrefix) {
    ObjectNode old = created(group, json);
    List<String> errs = update(group, old, change);
    if (wantPrefix == null) {
      assertEquals(List.of(), errs);
    } else {
      assertTrue(errs.stream().anyMatch(e -> e.startsWith(wantPrefix)), () -> "want " + wantPrefix + "\n got " + errs);
    }
  }

  @Test
  void generationGrowsOnlyWithSpec() {
    ObjectNode v1 = created("apps", DEPLOY);
    ResourceStrategy s = Strategies.forKind("apps", "Deployment");
    ObjectNode v2 = v1.deepCopy();
    ((ObjectNode) v2.get("metadata")).putObject("labels").put("a", "b");
    s.prepareForUpdate(v2, v1);
    assertEquals(1, v2.at("/metadata/generation").asInt(), "labels do not bump generation");
    ObjectNode v3 = v2.deepCopy();
    spec(v3).put("replicas", 4);
    s.prepareForUpdate(v3, v2);
    assertEquals(2, v3.at("/metadata/generation").asInt(), "spec changes bump generation");
  }

  @Test
  void replacingWithTheSameManifestKeepsTheGeneration() {
    ObjectNode stored = created("apps", DEPLOY);
    ObjectNode replace = Fixtures.json(DEPLOY);
    ResourceStrategy s = Strategies.forKind("apps", "Deployment");
    s.prepareForUpdate(replace, stored);
    s.applyDefaults(replace);
    assertEquals(1, replace.at("/metadata/generation").asInt(), "defaulted fields left out are no change");
    assertEquals(List.of(), s.validateUpdate(replace, stored));
  }

  @Test
  void deploymentAnnotationsBumpTheGeneration() {
    ObjectNode stored = created("apps", DEPLOY);
    ObjectNode next = stored.deepCopy();
    ((ObjectNode) next.get("metadata")).putObject("annotations").put("note", "x");
    Strategies.forKind("apps", "Deployment").prepareForUpdate(next, stored);
    assertEquals(2, next.at("/metadata/generation").asInt());
  }

  @Test
  void namespaceFinalizersChangeOnlyThroughFinalize() {
    ObjectNode stored = created("", "{'kind':'Namespace','metadata':{'name':'n','resourceVersion':'5'}}");
    NamespaceStrategy s = (NamespaceStrategy) Strategies.forKind("", "Namespace");
    ObjectNode plain = stored.deepCopy();
    ((ObjectNode) plain.get("spec")).putArray("finalizers");
    s.prepareForUpdate(plain, stored);
    assertEquals("[\"kubernetes\"]", plain.at("/spec/finalizers").toString(), "a plain update keeps the finalizers");

    ObjectNode fin = stored.deepCopy();
    ((ObjectNode) fin.get("spec")).putArray("finalizers");
    ((ObjectNode) fin.get("metadata")).putObject("labels").put("sneaky", "x");
    ((ObjectNode) fin.get("metadata")).put("resourceVersion", "6");
    s.prepareForFinalize(fin, stored);
    assertEquals("[]", fin.at("/spec/finalizers").toString());
    assertTrue(fin.at("/metadata/labels/sneaky").isMissingNode(), "finalize changes nothing else");
    assertEquals("6", fin.at("/metadata/resourceVersion").asText());
    assertEquals(List.of(), s.validateUpdate(fin, stored));
  }

  @Test
  void statusIsWrittenOnlyThroughStatus() {
    ObjectNode stored = created("apps", DEPLOY);
    ResourceStrategy s = Strategies.forKind("apps", "Deployment");
    ObjectNode viaMain = stored.deepCopy();
    viaMain.putObject("status").put("replicas", 7);
    s.prepareForUpdate(viaMain, stored);
    assertTrue(viaMain.at("/status/replicas").isMissingNode(), "main resource update ignores status");

    ObjectNode viaStatus = stored.deepCopy();
    viaStatus.putObject("status").put("replicas", 7);
    spec(viaStatus).put("replicas", 9);
    ((ObjectNode) viaStatus.get("metadata")).put("resourceVersion", "42");
    s.prepareForStatusUpdate(viaStatus, stored);
    assertEquals(7, viaStatus.at("/status/replicas").asInt());
    assertEquals(1, viaStatus.at("/spec/replicas").asInt(), "status update ignores spec");
    assertEquals("42", viaStatus.at("/metadata/resourceVersion").asText(), "the client's resourceVersion is kept for the CAS");
    assertEquals(List.of(), s.validateUpdate(viaStatus, stored));
  }

  @Test
  void podStatusSurvivesSpecUpdatesAndQosIsKept() {
    ObjectNode stored = created("", POD.replace("'image':'nginx:1'", "'image':'nginx:1','resources':{'limits':{'cpu':'1','memory':'1Gi'}}"));
    assertEquals("Guaranteed", stored.at("/status/qosClass").asText());
    ObjectNode next = stored.deepCopy();
    ((ObjectNode) spec(next).get("containers").get(0)).put("image", "nginx:2");
    next.remove("status");
    ResourceStrategy s = Strategies.forKind("", "Pod");
    s.prepareForUpdate(next, stored);
    s.applyDefaults(next);
    assertEquals("Pending", next.at("/status/phase").asText());
    assertEquals("Guaranteed", next.at("/status/qosClass").asText());
  }

  @Test
  void errorsAreFieldErrorsWithKubernetesTypes() {
    ObjectNode obj = Fixtures.json(DEPLOY.replace("'selector'", "'replicas':-1,'selector'"));
    ResourceStrategy s = Strategies.forKind("apps", "Deployment");
    s.prepareForCreate(obj);
    s.applyDefaults(obj);
    FieldError e = s.validate(obj).get(0);
    assertEquals(new FieldError("FieldValueInvalid", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"), e);
  }
}
