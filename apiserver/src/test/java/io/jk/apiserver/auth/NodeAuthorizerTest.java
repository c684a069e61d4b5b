package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NodeAuthorizerTest {

  private static final UserInfo N1 = new UserInfo("system:node:n1", "", List.of("system:nodes", "system:authenticated"));
  private static final UserInfo ADMIN = new UserInfo("jk-admin", "", List.of("system:masters", "system:authenticated"));
  private static final UserInfo ALICE = new UserInfo("alice", "", List.of("system:authenticated"));
  private static final UserInfo FAKE_NODE = new UserInfo("system:node:n1", "", List.of("system:authenticated"));
  private static final Map<String, String> POD_NODES = Map.of("default/mine", "n1", "default/theirs", "n2");
  private static final Authorizer AUTHORIZER =
      Authorizers.standard(key -> Optional.ofNullable(POD_NODES.get(key)));

  private static RequestAttributes r(String verb, String group, String resource, String sub, String ns, String name) {
    return RequestAttributes.resource(verb, group, resource, sub, ns, name);
  }

  private static Arguments allow(String name, UserInfo user, RequestAttributes attributes) {
    return Arguments.of(name, user, attributes, true, "");
  }

  private static Arguments deny(String name, UserInfo user, RequestAttributes attributes, String message) {
    return Arguments.of(name, user, attributes, false, message);
  }

  static Stream<Arguments> decisions() {
    return Stream.of(
        allow("a node lists pods", N1, r("watch", "", "pods", "", "", "")),
        allow("a node reads another node", N1, r("get", "", "nodes", "", "", "n2")),
        allow("a node reads secrets (not yet limited to its pods)", N1, r("get", "", "secrets", "", "ns", "s")),
        allow("a node lists endpointslices", N1, r("list", "discovery.k8s.io", "endpointslices", "", "", "")),
        allow("a node reads leases", N1, r("get", "coordination.k8s.io", "leases", "", "kube-node-lease", "n2")),
        allow("a node patches its own node", N1, r("patch", "", "nodes", "", "", "n1")),
        allow("a node updates its own node status", N1, r("update", "", "nodes", "status", "", "n1")),
        allow("a node creates its own node", N1, r("create", "", "nodes", "", "", "").withObject("n1", "")),
        allow("a node renews its own lease", N1, r("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n1")),
        allow("a node creates its own lease", N1,
            r("create", "coordination.k8s.io", "leases", "", "kube-node-lease", "").withObject("n1", "")),
        allow("a node updates the status of its pod", N1, r("patch", "", "pods", "status", "default", "mine")),
        allow("a node deletes its pod", N1, r("delete", "", "pods", "", "default", "mine")),
        allow("a node creates a mirror pod bound to itself", N1,
            r("create", "", "pods", "", "default", "").withObject("static-n1", "n1")),
        allow("a node creates events", N1, r("create", "", "events", "", "default", "")),
        allow("a node reads discovery", N1, RequestAttributes.nonResource("get", "/apis/apps/v1")),
        deny("a node patches another node", N1, r("patch", "", "nodes", "", "", "n2"),
            "nodes \"n2\" is forbidden: User \"system:node:n1\" cannot patch resource \"nodes\" in API group \"\""
                + " at the cluster scope: node 'n1' cannot modify node 'n2'"),
        deny("a node updates another node's status", N1, r("update", "", "nodes", "status", "", "n2"),
            "nodes \"n2\" is forbidden: User \"system:node:n1\" cannot update resource \"nodes/status\" in API group"
                + " \"\" at the cluster scope: node 'n1' cannot modify node 'n2'"),
        deny("a node creates another node", N1, r("create", "", "nodes", "", "", "").withObject("n2", ""),
            "nodes is forbidden: User \"system:node:n1\" cannot create resource \"nodes\" in API group \"\""
                + " at the cluster scope: node 'n1' cannot create node 'n2'"),
        deny("a node creates a node without the body", N1, r("create", "", "nodes", "", "", ""), null),
        deny("a node deletes another node", N1, r("delete", "", "nodes", "", "", "n2"), null),
        deny("a node updates another node's lease", N1,
            r("update", "coordination.k8s.io", "leases", "", "kube-node-lease", "n2"), null),
        deny("a node writes a lease outside kube-node-lease", N1,
            r("update", "coordination.k8s.io", "leases", "", "kube-system", "n1"), null),
        deny("a node updates the status of another node's pod", N1, r("update", "", "pods", "status", "default", "theirs"),
            "pods \"theirs\" is forbidden: User \"system:node:n1\" cannot update resource \"pods/status\" in API"
                + " group \"\" in the namespace \"default\": node 'n1' cannot modify pod 'default/theirs' bound to"
                + " node 'n2'"),
        deny("a node deletes another node's pod", N1, r("delete", "", "pods", "", "default", "theirs"), null),
        deny("a node touches an unknown pod", N1, r("delete", "", "pods", "", "default", "ghost"), null),
        deny("a node updates a pod's spec, even its own", N1, r("update", "", "pods", "", "default", "mine"), null),
        deny("a node creates a pod for another node", N1,
            r("create", "", "pods", "", "default", "").withObject("x", "n2"), null),
        deny("a node creates a service", N1, r("create", "", "services", "", "default", ""), null),
        deny("a node deletes a secret", N1, r("delete", "", "secrets", "", "default", "s"), null),
        deny("a node reads deployments", N1, r("get", "apps", "deployments", "", "default", "d"),
            "deployments.apps \"d\" is forbidden: User \"system:node:n1\" cannot get resource \"deployments\" in API"
                + " group \"apps\" in the namespace \"default\": node 'n1' cannot get deployments.apps"),
        deny("a node posts to a non-API path", N1, RequestAttributes.nonResource("post", "/metrics"), null),
        allow("an admin does anything", ADMIN, r("delete", "", "nodes", "", "", "n2")),
        allow("an ordinary user does anything until RBAC exists", ALICE, r("delete", "apps", "deployments", "", "x", "d")),
        allow("a user named like a node but outside system:nodes is an ordinary user", FAKE_NODE,
            r("patch", "", "nodes", "", "", "n2")),
        allow("anonymous reads /healthz", UserInfo.ANONYMOUS_USER, RequestAttributes.nonResource("get", "/healthz")),
        deny("anonymous reads pods", UserInfo.ANONYMOUS_USER, r("list", "", "pods", "", "", ""),
            "pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" at the"
                + " cluster scope"));
  }

  private static final JsonNode MY_POD = pod("default", "mine", "my-secret", "my-conf");
  private static final Authorizer GRAPH_AUTHORIZER = Authorizers.standard(
      key -> Optional.ofNullable(POD_NODES.get(key)),
      node -> node.equals("n1") ? List.of(MY_POD) : List.of(pod("default", "theirs", "their-secret", "their-conf")));

  private static JsonNode pod(String namespace, String name, String secret, String configMap) {
    ObjectNode pod = Json.mapper().createObjectNode();
    pod.putObject("metadata").put("namespace", namespace).put("name", name);
    ObjectNode spec = pod.putObject("spec");
    spec.putArray("volumes").addObject().put("name", "s").putObject("secret").put("secretName", secret);
    spec.putArray("containers").addObject().put("name", "c").putArray("envFrom").addObject()
        .putObject("configMapRef").put("name", configMap);
    return pod;
  }

  static Stream<Arguments> graphDecisions() {
    return Stream.of(
        allow("a node gets a secret its pod mounts", N1, r("get", "", "secrets", "", "default", "my-secret")),
        allow("a node watches one configmap its pod uses", N1,
            RequestAttributes.fromHttp("GET", "/api/v1/namespaces/default/configmaps", "true",
                "metadata.name=my-conf")),
        deny("a node gets a secret only another node's pod uses", N1,
            r("get", "", "secrets", "", "default", "their-secret"),
            "secrets \"their-secret\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API"
                + " group \"\" in the namespace \"default\": no relationship found between node 'n1' and this object"),
        deny("a node gets a same-named secret in another namespace", N1,
            r("get", "", "secrets", "", "other", "my-secret"), null),
        deny("a node lists all secrets", N1, r("list", "", "secrets", "", "default", ""), null),
        deny("a node watches all configmaps of the cluster", N1, r("watch", "", "configmaps", "", "", ""), null),
        allow("a node still lists pods", N1, r("list", "", "pods", "", "", "")),
        allow("an admin reads any secret", ADMIN, r("list", "", "secrets", "", "", "")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("graphDecisions")
  void limitsSecretsToTheNodesPods(String name, UserInfo user, RequestAttributes attributes, boolean allowed,
      String message) {
    Decision decision = GRAPH_AUTHORIZER.authorize(user, attributes);
    assertEquals(allowed, decision.allowed(), () -> name + ": " + decision);
    if (message != null && !allowed) {
      assertEquals(message, Authorizer.forbiddenMessage(user, attributes, decision.reason()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decisions")
  void decides(String name, UserInfo user, RequestAttributes attributes, boolean allowed, String message) {
    Decision decision = AUTHORIZER.authorize(user, attributes);
    assertEquals(allowed, decision.allowed(), () -> name + ": " + decision);
    if (message != null && !allowed) {
      assertEquals(message, Authorizer.forbiddenMessage(user, attributes, decision.reason()));
    }
  }
}
