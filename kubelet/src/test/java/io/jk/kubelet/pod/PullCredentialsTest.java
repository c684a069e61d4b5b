package io.jk.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.kubelet.image.RegistryCredential;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullCredentialsTest {
  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsUsernamePasswordAndAuthForms() {
    String cfg = "{\"auths\":{\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\"},"
        + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("me:pw:with:colons") + "\"}}}";
    List<RegistryCredential> creds = PullCredentials.parse(Map.of(".dockerconfigjson", b64(cfg)));
    assertEquals(List.of(new RegistryCredential("127.0.0.1:5000", "u", "p"),
        new RegistryCredential("https://index.docker.io/v1/", "me", "pw:with:colons")), creds);
  }

  @Test
  void malformedSecretsGiveNothing() {
    assertTrue(PullCredentials.parse(Map.of(".dockerconfigjson", b64("not json"))).isEmpty());
    assertTrue(PullCredentials.parse(Map.of(".dockerconfigjson", "%%%")).isEmpty());
    assertTrue(PullCredentials.parse(Map.of("other", b64("{}"))).isEmpty());
  }
}
