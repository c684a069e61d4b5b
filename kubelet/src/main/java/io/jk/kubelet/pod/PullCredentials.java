package io.jk.kubelet.pod;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.json.Json;
import io.jk.kubelet.image.RegistryCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Registry credentials from a pod's {@code imagePullSecrets} ({@code kubernetes.io/dockerconfigjson} or {@code dockercfg}). Blocking. */
public final class PullCredentials {
  private final KubernetesClient client;

  public PullCredentials(KubernetesClient client) {
    this.client = client;
  }

  /** Every credential of the pod's pull secrets; missing or malformed secrets are skipped, as the kubelet does. */
  public List<RegistryCredential> forPod(Pod pod) {
    List<RegistryCredential> out = new ArrayList<>();
    List<LocalObjectReference> refs = pod.getSpec().getImagePullSecrets();
    if (refs == null) {
      return out;
    }
    for (LocalObjectReference ref : refs) {
      Secret s = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(ref.getName()).get();
      if (s == null || s.getData() == null) {
        continue;
      }
      out.addAll(parse(s.getData()));
    }
    return out;
  }

  static List<RegistryCredential> parse(Map<String, String> data) {
    List<RegistryCredential> out = new ArrayList<>();
    String b64 = data.containsKey(".dockerconfigjson") ? data.get(".dockerconfigjson") : data.get(".dockercfg");
    if (b64 == null) {
      return out;
    }
    try {
      JsonNode root = Json.mapper().readTree(Base64.getDecoder().decode(b64));
      JsonNode auths = root.has("auths") ? root.get("auths") : root;
      auths.fields().forEachRemaining(e -> {
        JsonNode a = e.getValue();
        String user = a.path("username").asText("");
        String pass = a.path("password").asText("");
        if (user.isEmpty() && a.hasNonNull("auth")) {
          String decoded = new String(Base64.getDecoder().decode(a.get("auth").asText()), StandardCharsets.UTF_8);
          int colon = decoded.indexOf(':');
          if (colon > 0) {
            user = decoded.substring(0, colon);
            pass = decoded.substring(colon + 1);
          }
        }
        if (!user.isEmpty()) {
          out.add(new RegistryCredential(e.getKey(), user, pass));
        }
      });
    } catch (IOException | IllegalArgumentException e) {
      // a malformed secret gives no credentials
    }
    return out;
  }
}
