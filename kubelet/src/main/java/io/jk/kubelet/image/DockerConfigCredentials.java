package io.jk.kubelet.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.jk.common.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Registry credentials from a pod's {@code imagePullSecrets}: secrets of type
 * {@code kubernetes.io/dockerconfigjson} ({@code .dockerconfigjson}: {@code {"auths": {host: ...}}})
 * or {@code kubernetes.io/dockercfg} ({@code .dockercfg}: {@code {host: ...}}), each entry with
 * {@code username}/{@code password} or {@code auth} (base64 of {@code user:password}).
 */
public final class DockerConfigCredentials {

  private DockerConfigCredentials() {}

  /** The credentials of one pull secret (empty for other secret types or unreadable content). */
  public static List<RegistryCredential> fromSecret(Secret secret) {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    try {
      if (data.containsKey(".dockerconfigjson")) {
        return parse(Base64.getMimeDecoder().decode(data.get(".dockerconfigjson")), true);
      }
      if (data.containsKey(".dockercfg")) {
        return parse(Base64.getMimeDecoder().decode(data.get(".dockercfg")), false);
      }
    } catch (IOException | IllegalArgumentException e) {
      // a malformed pull secret gives no credentials; the pull then fails with the registry's answer
    }
    return List.of();
  }

  /** Parses a docker config ({@code withAuths}: the {@code .dockerconfigjson} shape). */
  public static List<RegistryCredential> parse(byte[] json, boolean withAuths) throws IOException {
    JsonNode root = Json.mapper().readTree(json);
    JsonNode auths = withAuths ? root.path("auths") : root;
    List<RegistryCredential> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode a = e.getValue();
      String user = a.path("username").asText("");
      String pass = a.path("password").asText("");
      if (user.isEmpty() && a.hasNonNull("auth")) {
        String decoded = new String(Base64.getMimeDecoder().decode(a.get("auth").asText()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          user = decoded.substring(0, colon);
          pass = decoded.substring(colon + 1);
        }
      }
      if (!user.isEmpty()) {
        out.add(new RegistryCredential(e.getKey(), user, pass));
      }
    }
    return out;
  }
}
