package io.jk.apiserver.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import org.junit.jupiter.api.Test;

/** The pod spec changes of the ServiceAccount admission, against what Kubernetes 1.32 stores. */
class ServiceAccountAdmissionTest {

  /** The volume and mount of a pod created in Kubernetes 1.32 ({@code kubectl get pod -o yaml}), as JSON. */
  private static final String KUBERNETES_VOLUME = """
      {"name":"kube-api-access-x7k2p","projected":{"defaultMode":420,"sources":[
        {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
        {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},
        {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}]}}
      """;

  private static ObjectNode spec(String json) throws Exception {
    return (ObjectNode) Json.mapper().readTree(json);
  }

  @Test
  void theVolumeAndMountsAreKubernetes() throws Exception {
    ObjectNode spec = spec("""
        {"initContainers":[{"name":"i","image":"busybox"}],
         "containers":[{"name":"a","image":"busybox","volumeMounts":[{"name":"data","mountPath":"/data"}]},
                       {"name":"b","image":"busybox"}],
         "volumes":[{"name":"data","emptyDir":{}}]}
        """);
    ServiceAccountAdmission.mountToken(spec);
    JsonNode volume = spec.path("volumes").get(1);
    String name = volume.path("name").asText();
    assertTrue(name.matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}"), name);
    ObjectNode expected = spec(KUBERNETES_VOLUME);
    expected.put("name", name);
    assertEquals(expected, Json.mapper().readTree(volume.toString()), "as stored and read back");
    JsonNode mount = Json.mapper().readTree("{\"name\":\"" + name
        + "\",\"readOnly\":true,\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}");
    assertEquals(mount, spec.path("initContainers").get(0).path("volumeMounts").get(0));
    assertEquals(mount, spec.path("containers").get(0).path("volumeMounts").get(1), "after the container's own mounts");
    assertEquals(mount, spec.path("containers").get(1).path("volumeMounts").get(0));
  }

  @Test
  void aContainerMountingSomethingAtTheTokenPathKeepsItAndAnExistingVolumeIsReused() throws Exception {
    ObjectNode own = spec("""
        {"containers":[{"name":"a","volumeMounts":[{"name":"mine","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],
         "volumes":[{"name":"mine","secret":{"secretName":"s"}}]}
        """);
    ObjectNode before = own.deepCopy();
    ServiceAccountAdmission.mountToken(own);
    assertEquals(before, own, "nothing needs the token volume: none is added");

    ObjectNode again = spec("{\"containers\":[{\"name\":\"a\"}],\"volumes\":[" + KUBERNETES_VOLUME + "]}");
    ServiceAccountAdmission.mountToken(again);
    assertEquals(1, again.path("volumes").size());
    assertEquals("kube-api-access-x7k2p", again.path("containers").get(0).path("volumeMounts").get(0).path("name").asText());
  }

  @Test
  void automountFollowsThePodThenTheAccount() throws Exception {
    JsonNode unset = spec("{}");
    assertTrue(ServiceAccountAdmission.shouldAutomount(unset, spec("{}")));
    assertFalse(ServiceAccountAdmission.shouldAutomount(unset, spec("{\"automountServiceAccountToken\":false}")));
    assertTrue(ServiceAccountAdmission.shouldAutomount(spec("{\"automountServiceAccountToken\":true}"),
        spec("{\"automountServiceAccountToken\":false}")));
    assertFalse(ServiceAccountAdmission.shouldAutomount(spec("{\"automountServiceAccountToken\":false}"), spec("{}")));
  }
}
