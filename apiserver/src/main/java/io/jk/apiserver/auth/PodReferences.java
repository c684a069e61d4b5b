package io.jk.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The secrets, config maps and persistent volume claims a pod uses (in its own namespace), as
 * Kubernetes' node authorizer graph records them: volumes (including projected sources, CSI
 * node-publish secrets and generic ephemeral volumes), environment variables and {@code
 * envFrom} of every container, init and ephemeral container, and image pull secrets.
 */
public final class PodReferences {

  private PodReferences() {}

  /** One referenced object: {@code resource} is secrets, configmaps or persistentvolumeclaims. */
  public record Ref(String resource, String name) {}

  /** The objects {@code pod} (a Pod as JSON) refers to. */
  public static Set<Ref> of(JsonNode pod) {
    Set<Ref> refs = new HashSet<>();
    JsonNode spec = pod.path("spec");
    String podName = pod.path("metadata").path("name").asText("");
    for (JsonNode secret : spec.path("imagePullSecrets")) {
      add(refs, "secrets", secret.path("name"));
    }
    for (JsonNode volume : spec.path("volumes")) {
      add(refs, "secrets", volume.path("secret").path("secretName"));
      add(refs, "configmaps", volume.path("configMap").path("name"));
      add(refs, "persistentvolumeclaims", volume.path("persistentVolumeClaim").path("claimName"));
      add(refs, "secrets", volume.path("csi").path("nodePublishSecretRef").path("name"));
      for (JsonNode source : volume.path("projected").path("sources")) {
        add(refs, "secrets", source.path("secret").path("name"));
        add(refs, "configmaps", source.path("configMap").path("name"));
      }
      if (volume.has("ephemeral") && !podName.isEmpty()) {
        refs.add(new Ref("persistentvolumeclaims", podName + "-" + volume.path("name").asText("")));
      }
    }
    for (String field : List.of("containers", "initContainers", "ephemeralContainers")) {
      for (JsonNode container : spec.path(field)) {
        for (JsonNode env : container.path("env")) {
          add(refs, "secrets", env.path("valueFrom").path("secretKeyRef").path("name"));
          add(refs, "configmaps", env.path("valueFrom").path("configMapKeyRef").path("name"));
        }
        for (JsonNode envFrom : container.path("envFrom")) {
          add(refs, "secrets", envFrom.path("secretRef").path("name"));
          add(refs, "configmaps", envFrom.path("configMapRef").path("name"));
        }
      }
    }
    return refs;
  }

  private static void add(Set<Ref> refs, String resource, JsonNode name) {
    if (name.isTextual() && !name.asText().isEmpty()) {
      refs.add(new Ref(resource, name.asText()));
    }
  }
}
