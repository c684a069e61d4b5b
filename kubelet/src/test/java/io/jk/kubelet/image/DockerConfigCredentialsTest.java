package io.jk.kubelet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerConfigCredentialsTest {

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsUsernamePasswordAndAuthEntries() {
    String json = "{\"auths\":{\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\"},"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:secret:with:colons") + "\"}}}";
    var secret = new SecretBuilder().withType("kubernetes.io/dockerconfigjson").addToData(".dockerconfigjson", b64(json)).build();
    assertEquals(List.of(new RegistryCredential("127.0.0.1:5000", "u", "p"),
        new RegistryCredential("https://index.docker.io/v1/", "hub", "secret:with:colons")), DockerConfigCredentials.fromSecret(secret));
  }

  @Test
  void malformedOrOtherSecretsGiveNoCredentials() {
    assertEquals(List.of(), DockerConfigCredentials.fromSecret(new SecretBuilder().addToData(".dockerconfigjson", b64("{not json")).build()));
    assertEquals(List.of(), DockerConfigCredentials.fromSecret(new SecretBuilder().addToData("token", b64("x")).build()));
  }
}
