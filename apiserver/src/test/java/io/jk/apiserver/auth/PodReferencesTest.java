package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.apiserver.auth.PodReferences.Ref;
import io.jk.common.json.Json;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodReferencesTest {

  @Test
  void findsEverySecretConfigMapAndClaimAPodUses() throws Exception {
    var pod = Json.mapper().readTree("""
        {"metadata": {"name": "web", "namespace": "shop"},
         "spec": {
           "imagePullSecrets": [{"name": "registry"}],
           "volumes": [
             {"name": "tls", "secret": {"secretName": "web-tls"}},
             {"name": "conf", "configMap": {"name": "web-conf"}},
             {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
             {"name": "all", "projected": {"sources": [{"secret": {"name": "proj-secret"}},
                                                       {"configMap": {"name": "proj-conf"}},
                                                       {"serviceAccountToken": {"path": "token"}}]}},
             {"name": "csi", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "csi-secret"}}},
             {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
             {"name": "tmp", "emptyDir": {}}
           ],
           "initContainers": [{"name": "init", "envFrom": [{"secretRef": {"name": "init-env"}}]}],
           "containers": [{"name": "app",
             "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "app-secret", "key": "k"}}},
                     {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "app-conf", "key": "k"}}},
                     {"name": "C", "value": "plain"}],
             "envFrom": [{"configMapRef": {"name": "app-env"}}]}]
         }}
        """);
    assertEquals(Set.of(
        new Ref("secrets", "registry"), new Ref("secrets", "web-tls"), new Ref("configmaps", "web-conf"),
        new Ref("persistentvolumeclaims", "web-data"), new Ref("secrets", "proj-secret"),
        new Ref("configmaps", "proj-conf"), new Ref("secrets", "csi-secret"),
        new Ref("persistentvolumeclaims", "web-scratch"), new Ref("secrets", "init-env"),
        new Ref("secrets", "app-secret"), new Ref("configmaps", "app-conf"), new Ref("configmaps", "app-env")),
        PodReferences.of(pod));
  }

  @Test
  void aBarePodUsesNothing() throws Exception {
    assertEquals(Set.of(), PodReferences.of(Json.mapper().readTree("{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}")));
    assertEquals(Set.of(), PodReferences.of(Json.mapper().readTree("{}")));
  }
}
