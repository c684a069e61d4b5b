package io.jk.apiserver.serviceaccount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.UserInfo;
import io.jk.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing and verifying service account JWTs, and what the authenticator makes of them. */
class ServiceAccountTokensTest {

  @TempDir
  static Path dir;

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static SigningKey key;
  private static SigningKey otherKey;

  private static synchronized SigningKey key() {
    if (key == null) {
      key = SigningKey.loadOrCreate(dir.resolve("sa.key"));
      otherKey = SigningKey.loadOrCreate(dir.resolve("other.key"));
    }
    return key;
  }

  private static TokenClaims claims(long iat, long exp, List<String> aud, TokenClaims.BoundObject bound) {
    return new TokenClaims(ServiceAccountTokens.DEFAULT_ISSUER, aud, iat, iat, exp, "jti-1", "team", "builder",
        "sa-uid", bound, null, null, null);
  }

  private static TokenClaims valid() {
    long t = NOW.getEpochSecond();
    return claims(t, t + 3600, List.of(ServiceAccountTokens.DEFAULT_ISSUER), null);
  }

  @Test
  void aSignedTokenVerifiesToTheSameClaimsAndHasKubernetesShape() throws Exception {
    ServiceAccountTokens tokens = new ServiceAccountTokens(key(), null, List.of());
    String jwt = tokens.sign(valid());
    assertEquals(valid(), tokens.verify(jwt, NOW));
    String[] parts = jwt.split("\\.");
    var header = Json.mapper().readTree(Base64.getUrlDecoder().decode(parts[0]));
    assertEquals("RS256", header.path("alg").asText());
    assertEquals(key().keyId(), header.path("kid").asText());
    var payload = Json.mapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
    assertEquals("system:serviceaccount:team:builder", payload.path("sub").asText());
    assertEquals("builder", payload.path("kubernetes.io").path("serviceaccount").path("name").asText());
    assertEquals("team", payload.path("kubernetes.io").path("namespace").asText());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sa.key"))));
    assertEquals(key().keyId(), SigningKey.loadOrCreate(dir.resolve("sa.key")).keyId(), "the key is reused");
  }

  @Test
  void expiredNotYetValidWrongKeyWrongAudienceWrongIssuerAndTamperedTokensAreRejected() {
    ServiceAccountTokens tokens = new ServiceAccountTokens(key(), null, List.of());
    long t = NOW.getEpochSecond();
    String jwt = tokens.sign(valid());
    assertEquals("token has expired", assertThrows(ServiceAccountTokens.InvalidTokenException.class,
        () -> tokens.verify(jwt, NOW.plusSeconds(3600))).getMessage());
    assertEquals("token is not valid yet", assertThrows(ServiceAccountTokens.InvalidTokenException.class,
        () -> tokens.verify(jwt, NOW.minusSeconds(120))).getMessage());
    tokens.verify(jwt, NOW.minusSeconds(30)); // within the clock-skew leeway

    String foreign = new ServiceAccountTokens(otherKey, null, List.of()).sign(valid());
    assertEquals("invalid signature", assertThrows(ServiceAccountTokens.InvalidTokenException.class,
        () -> tokens.verify(foreign, NOW)).getMessage());
    // ... unless that key is configured as a verification key (--service-account-key-file)
    String otherPublic = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
        otherKey.publicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    assertEquals(valid(), new ServiceAccountTokens(key().withVerificationKeys(otherPublic, "other"), null, List.of())
        .verify(foreign, NOW));

    String vault = tokens.sign(claims(t, t + 3600, List.of("vault"), null));
    assertTrue(assertThrows(ServiceAccountTokens.InvalidTokenException.class, () -> tokens.verify(vault, NOW))
        .getMessage().contains("invalid for the target audiences"));
    assertEquals(valid().subject(), new ServiceAccountTokens(key(), null, List.of("vault", "api")).verify(vault, NOW)
        .subject(), "accepted where vault is an API audience");

    String otherIssuer = new ServiceAccountTokens(key(), "https://elsewhere", List.of(ServiceAccountTokens.DEFAULT_ISSUER))
        .sign(new TokenClaims("https://elsewhere", List.of(ServiceAccountTokens.DEFAULT_ISSUER), t, t, t + 3600, "j",
            "team", "builder", "sa-uid", null, null, null, null));
    assertThrows(ServiceAccountTokens.InvalidTokenException.class, () -> tokens.verify(otherIssuer, NOW));

    // another subject with the original signature
    String[] parts = jwt.split("\\.");
    ObjectNode payload = valid().toJson();
    payload.put("sub", "system:serviceaccount:kube-system:admin");
    ((ObjectNode) payload.path("kubernetes.io")).put("namespace", "kube-system");
    ((ObjectNode) payload.path("kubernetes.io").path("serviceaccount")).put("name", "admin");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        payload.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    assertEquals("invalid signature", assertThrows(ServiceAccountTokens.InvalidTokenException.class,
        () -> tokens.verify(forged, NOW)).getMessage());
    assertThrows(ServiceAccountTokens.InvalidTokenException.class, () -> tokens.verify("a.b.c", NOW));
    assertThrows(ServiceAccountTokens.InvalidTokenException.class, () -> tokens.verify("not-a-jwt", NOW));
  }

  @Test
  void theAuthenticatorNeedsTheAccountAndTheBoundPodToStillExistWithTheirUids() {
    ServiceAccountTokens tokens = new ServiceAccountTokens(key(), null, List.of());
    Map<String, ObjectNode> objects = new HashMap<>();
    objects.put("serviceaccounts/team/builder", object("builder", "sa-uid", null));
    objects.put("pods/team/web", object("web", "pod-uid", null));
    ServiceAccountAuthenticator authenticator = new ServiceAccountAuthenticator(tokens,
        (resource, ns, name) -> objects.get(resource + "/" + ns + "/" + name), Clock.fixed(NOW, ZoneOffset.UTC));
    long t = NOW.getEpochSecond();
    String bound = "Bearer " + tokens.sign(claims(t, t + 3600, List.of(ServiceAccountTokens.DEFAULT_ISSUER),
        new TokenClaims.BoundObject("Pod", "web", "pod-uid")));

    Optional<UserInfo> user = authenticator.authenticate(bound, List.of());
    assertEquals(Optional.of(new UserInfo("system:serviceaccount:team:builder", "sa-uid",
        List.of("system:serviceaccounts", "system:serviceaccounts:team"))), user);

    objects.put("pods/team/web", object("web", "pod-uid", NOW.minusSeconds(30).toString()));
    assertTrue(authenticator.authenticate(bound, List.of()).isPresent(), "a pod terminating for 30 s still may");
    objects.put("pods/team/web", object("web", "pod-uid", NOW.minusSeconds(61).toString()));
    assertTrue(authenticator.authenticate(bound, List.of()).isEmpty(), "terminating for over a minute: no more");
    objects.put("pods/team/web", object("web", "another-uid", null));
    assertTrue(authenticator.authenticate(bound, List.of()).isEmpty(), "a new pod of the same name is another pod");
    objects.remove("pods/team/web");
    assertTrue(authenticator.authenticate(bound, List.of()).isEmpty(), "deleted pod");

    String unbound = "Bearer " + tokens.sign(valid());
    assertTrue(authenticator.authenticate(unbound, List.of()).isPresent());
    objects.put("serviceaccounts/team/builder", object("builder", "recreated-uid", null));
    assertTrue(authenticator.authenticate(unbound, List.of()).isEmpty(), "recreated account");
    objects.remove("serviceaccounts/team/builder");
    assertTrue(authenticator.authenticate(unbound, List.of()).isEmpty(), "deleted account");
    assertTrue(authenticator.authenticate("Bearer plain-static-token", List.of()).isEmpty());
    assertTrue(authenticator.authenticate(null, List.of()).isEmpty());
  }

  private static ObjectNode object(String name, String uid, String deletionTimestamp) {
    ObjectNode o = Json.mapper().createObjectNode();
    ObjectNode m = o.putObject("metadata").put("name", name).put("uid", uid);
    if (deletionTimestamp != null) {
      m.put("deletionTimestamp", deletionTimestamp);
    }
    return o;
  }
}
