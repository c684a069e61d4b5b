package io.jk.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.apiserver.tls.CertificateAuthority;
import io.jk.apiserver.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinTokensTest {

  @TempDir
  Path dir;

  @Test
  void tokensAreStoredHashedAndVerifiedAcrossRestarts() throws Exception {
    Path file = dir.resolve("join-tokens");
    String token = new JoinTokens(file).create(Duration.ofHours(1));
    assertTrue(token.matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), token);
    String secret = token.substring(7);
    assertFalse(Files.readString(file).contains(secret), "the secret must not be stored");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    JoinTokens reopened = new JoinTokens(file);
    assertEquals(Optional.of(token.substring(0, 6)), reopened.verify(token));
    assertEquals(Optional.empty(), reopened.verify(token.substring(0, 7) + "0000000000000000"));
    assertEquals(Optional.empty(), reopened.verify("not-a-token"));
    assertEquals(Optional.empty(), reopened.verify(null));

    assertTrue(reopened.revoke(token.substring(0, 6)));
    assertEquals(Optional.empty(), reopened.verify(token));
  }

  @Test
  void expiredTokensFail() throws Exception {
    Path file = dir.resolve("join-tokens");
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    String token = new JoinTokens(file, Clock.fixed(start, ZoneOffset.UTC)).create(Duration.ofMinutes(10));
    String forever = new JoinTokens(file, Clock.fixed(start, ZoneOffset.UTC)).create(null);
    JoinTokens later = new JoinTokens(file, Clock.fixed(start.plus(Duration.ofMinutes(11)), ZoneOffset.UTC));
    assertEquals(Optional.empty(), later.verify(token));
    assertTrue(later.verify(forever).isPresent());
    assertEquals(2, later.list().size());
  }

  @Test
  void nodeCredentialsNeedAValidTokenAndNameTheNode() throws Exception {
    JoinTokens tokens = new JoinTokens(dir.resolve("join-tokens"));
    String token = tokens.create(Duration.ofHours(1));
    CertificateAuthority ca = CertificateAuthority.create("cluster", Duration.ofDays(1));
    NodeCredentialIssuer issuer = new NodeCredentialIssuer(tokens, ca, Duration.ofDays(1));

    NodeCredentialIssuer.NodeCredentials credentials = issuer.issue(token, "worker-1").orElseThrow();
    X509Certificate cert = Pem.readCertificates(credentials.certificatePem()).get(0);
    cert.verify(ca.certificate().getPublicKey());
    UserInfo user = new ClientCertificateAuthenticator(List.of(ca.certificate()))
        .authenticate(null, List.of(cert)).orElseThrow();
    assertEquals(new UserInfo("system:node:worker-1", "", List.of("system:nodes")), user);
    assertEquals(ca.certificatePem(), credentials.caPem());

    assertEquals(Optional.empty(), issuer.issue("abcdef.0123456789abcdef", "worker-1"));
    assertThrows(IllegalArgumentException.class, () -> issuer.issue(token, "Worker_1"));
    assertThrows(IllegalArgumentException.class, () -> issuer.issue(token, ""));
  }

  @Test
  void caHashIsStableAndDiffersBetweenCas() {
    CertificateAuthority a = CertificateAuthority.create("a", Duration.ofDays(1));
    CertificateAuthority b = CertificateAuthority.create("b", Duration.ofDays(1));
    assertTrue(JoinTokens.caCertHash(a.certificate()).matches("sha256:[0-9a-f]{64}"));
    assertEquals(JoinTokens.caCertHash(a.certificate()), JoinTokens.caCertHash(a.certificate()));
    assertNotEquals(JoinTokens.caCertHash(a.certificate()), JoinTokens.caCertHash(b.certificate()));
  }
}
