package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestAttributesTest {

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of("list of pods in a namespace", "GET", "/api/v1/namespaces/default/pods", null,
            RequestAttributes.resource("list", "", "pods", "", "default", "")),
        Arguments.of("get of one pod", "GET", "/api/v1/namespaces/default/pods/p1", null,
            RequestAttributes.resource("get", "", "pods", "", "default", "p1")),
        Arguments.of("watch by query parameter", "GET", "/api/v1/pods", "true",
            RequestAttributes.resource("watch", "", "pods", "", "", "")),
        Arguments.of("legacy watch path", "GET", "/api/v1/watch/namespaces/ns/pods/p", null,
            RequestAttributes.resource("watch", "", "pods", "", "ns", "p")),
        Arguments.of("status update of a pod", "PUT", "/api/v1/namespaces/ns/pods/p/status", null,
            RequestAttributes.resource("update", "", "pods", "status", "ns", "p")),
        Arguments.of("patch of a deployment in a group", "PATCH", "/apis/apps/v1/namespaces/ns/deployments/d", null,
            RequestAttributes.resource("patch", "apps", "deployments", "", "ns", "d")),
        Arguments.of("create of a lease", "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
            null, RequestAttributes.resource("create", "coordination.k8s.io", "leases", "", "kube-node-lease", "")),
        Arguments.of("delete of a collection", "DELETE", "/api/v1/namespaces/ns/pods", null,
            RequestAttributes.resource("deletecollection", "", "pods", "", "ns", "")),
        Arguments.of("a namespace is cluster-scoped", "GET", "/api/v1/namespaces/ns", null,
            RequestAttributes.resource("get", "", "namespaces", "", "", "ns")),
        Arguments.of("namespace finalize subresource", "PUT", "/api/v1/namespaces/ns/finalize", null,
            RequestAttributes.resource("update", "", "namespaces", "finalize", "", "ns")),
        Arguments.of("cluster-scoped node status", "PATCH", "/api/v1/nodes/n1/status", null,
            RequestAttributes.resource("patch", "", "nodes", "status", "", "n1")),
        Arguments.of("watch of one name by field selector", "GET", "/api/v1/namespaces/ns/secrets?ignored", "1",
            RequestAttributes.resource("watch", "", "secrets", "", "ns", "s1")),
        Arguments.of("exec over a WebSocket GET is a create, as Kubernetes 1.31+ authorize it", "GET",
            "/api/v1/namespaces/ns/pods/p/exec", null, RequestAttributes.resource("create", "", "pods", "exec", "ns", "p")),
        Arguments.of("attach over a WebSocket GET is a create", "GET", "/api/v1/namespaces/ns/pods/p/attach", null,
            RequestAttributes.resource("create", "", "pods", "attach", "ns", "p")),
        Arguments.of("portforward over a WebSocket GET is a create", "GET", "/api/v1/namespaces/ns/pods/p/portforward",
            null, RequestAttributes.resource("create", "", "pods", "portforward", "ns", "p")),
        Arguments.of("a GET of pods/log stays a get", "GET", "/api/v1/namespaces/ns/pods/p/log", null,
            RequestAttributes.resource("get", "", "pods", "log", "ns", "p")),
        Arguments.of("discovery is not a resource", "GET", "/apis/apps/v1", null,
            RequestAttributes.nonResource("get", "/apis/apps/v1")),
        Arguments.of("health is not a resource", "GET", "/healthz", null,
            RequestAttributes.nonResource("get", "/healthz")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void parsesLikeKubeApiserver(String name, String method, String path, String watch, RequestAttributes want) {
    String selector = path.endsWith("?ignored") ? "metadata.name=s1" : "metadata.name!=x";
    RequestAttributes got = RequestAttributes.fromHttp(method, path.replace("?ignored", ""), watch, selector);
    assertEquals(want.verb(), got.verb());
    assertEquals(want.resourceRequest(), got.resourceRequest());
    assertEquals(want.apiGroup(), got.apiGroup());
    assertEquals(want.resource(), got.resource());
    assertEquals(want.subresource(), got.subresource());
    assertEquals(want.namespace(), got.namespace());
    assertEquals(want.name(), got.name());
    if (!want.resourceRequest()) {
      assertEquals(want.path(), got.path());
    }
  }
}
