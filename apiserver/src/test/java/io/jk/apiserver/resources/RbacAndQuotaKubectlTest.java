package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl creating and reading RBAC objects, ResourceQuotas and LimitRanges: the
 * {@code kubectl create role/rolebinding/clusterrole/clusterrolebinding/quota} generators, the
 * server's Tables in {@code kubectl get}, discovery ({@code api-resources}) and rule validation.
 */
class RbacAndQuotaKubectlTest {

  static LiveServer api;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(LiveServer.hasKubectl(), "kubectl is needed on the PATH");
    api = new LiveServer();
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  private static String ok(String... args) throws Exception {
    LiveServer.Run r = api.kubectl(null, args);
    assertEquals(0, r.exit(), String.join(" ", args) + " -> " + r.out());
    return r.out();
  }

  @Test
  void kubectlCreatesAndListsRolesBindingsAndClusterScopedOnes() throws Exception {
    assertEquals("role.rbac.authorization.k8s.io/pod-reader created\n",
        ok("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"));
    assertEquals("rolebinding.rbac.authorization.k8s.io/read-pods created\n",
        ok("create", "rolebinding", "read-pods", "--role=pod-reader", "--user=jane", "--group=devs"));
    assertEquals("clusterrole.rbac.authorization.k8s.io/node-reader created\n",
        ok("create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes"));
    assertEquals("clusterrolebinding.rbac.authorization.k8s.io/system:read-nodes created\n",
        ok("create", "clusterrolebinding", "system:read-nodes", "--clusterrole=node-reader", "--serviceaccount=default:bot"));

    String roles = ok("get", "roles");
    assertTrue(roles.startsWith("NAME         CREATED AT\npod-reader   "), roles);
    String bindings = ok("get", "rolebindings", "-o", "wide");
    assertTrue(bindings.contains("ROLE") && bindings.contains("Role/pod-reader") && bindings.contains("jane")
        && bindings.contains("devs"), bindings);
    String crb = ok("get", "clusterrolebinding", "system:read-nodes");
    assertTrue(crb.contains("ClusterRole/node-reader"), crb);
    JsonNode role = api.send("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/pod-reader", null).json();
    assertEquals("[\"get\",\"list\",\"watch\"]", role.path("rules").get(0).path("verbs").toString());
    assertEquals("pods", role.path("rules").get(0).path("resources").get(0).asText());

    String resources = ok("api-resources", "--api-group=rbac.authorization.k8s.io");
    for (String r : new String[] {"clusterrolebindings", "clusterroles", "rolebindings", "roles"}) {
      assertTrue(resources.contains(r), resources);
    }
    ok("delete", "role", "pod-reader");
    assertTrue(api.kubectl(null, "get", "role", "pod-reader").out().contains("NotFound"));
  }

  @Test
  void invalidRulesAreRefusedWithTheFieldNamed() throws Exception {
    LiveServer.Res noVerbs = api.send("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"bad\"},"
            + "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[]}]}");
    assertEquals(422, noVerbs.code(), noVerbs.body());
    assertTrue(noVerbs.body().contains("rules[0].verbs: Required value"), noVerbs.body());

    LiveServer.Res urlInRole = api.send("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"bad\"},"
            + "\"rules\":[{\"nonResourceURLs\":[\"/healthz\"],\"verbs\":[\"get\"]}]}");
    assertEquals(422, urlInRole.code(), urlInRole.body());
    assertTrue(urlInRole.body().contains("namespaced rules cannot apply to non-resource URLs"), urlInRole.body());

    LiveServer.Run noResource = api.kubectl("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        + "metadata: {name: bad}\nrules:\n- apiGroups: [\"\"]\n  verbs: [get]\n", "create", "-f", "-");
    assertEquals(1, noResource.exit(), noResource.out());
    assertTrue(noResource.out().contains("rules[0].resources: Required value: resource rules must supply at least one "
        + "resource"), noResource.out());

    LiveServer.Res badRef = api.send("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\",\"metadata\":{\"name\":\"b\"}}");
    assertEquals(422, badRef.code(), badRef.body());
  }

  @Test
  void kubectlCreatesQuotasAndLimitRangesWhichAreServedButNotEnforced() throws Exception {
    assertEquals("resourcequota/compute created\n", ok("create", "quota", "compute", "--hard=cpu=1,memory=1Gi,pods=2,limits.cpu=2"));
    String quota = ok("get", "quota");
    assertTrue(quota.contains("REQUEST") && quota.contains("LIMIT"), quota);
    assertTrue(quota.contains("cpu: 0/1, memory: 0/1Gi, pods: 0/2") && quota.contains("limits.cpu: 0/2"), quota);

    LiveServer.Res badQuota = api.send("POST", "/api/v1/namespaces/default/resourcequotas",
        "{\"apiVersion\":\"v1\",\"kind\":\"ResourceQuota\",\"metadata\":{\"name\":\"q\"},\"spec\":{\"hard\":{\"cpu\":\"lots\"}}}");
    assertEquals(422, badQuota.code(), badQuota.body());
    assertTrue(badQuota.body().contains("spec.hard[cpu]"), badQuota.body());

    LiveServer.Run limits = api.kubectl("apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults}\nspec:\n"
        + "  limits:\n  - type: Container\n    default: {cpu: 500m}\n    defaultRequest: {cpu: 100m}\n", "apply", "-f", "-");
    assertEquals(0, limits.exit(), limits.out());
    assertEquals("limitrange/defaults created\n", limits.out());
    String got = ok("get", "limits");
    assertTrue(got.startsWith("NAME       CREATED AT\ndefaults   "), got);
    LiveServer.Res badLimit = api.send("POST", "/api/v1/namespaces/default/limitranges",
        "{\"apiVersion\":\"v1\",\"kind\":\"LimitRange\",\"metadata\":{\"name\":\"l\"},\"spec\":{\"limits\":[{\"type\":\"Disk\"}]}}");
    assertEquals(422, badLimit.code(), badLimit.body());
  }
}
