package io.jk.apiserver.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {

  @TempDir
  Path dir;

  private final ServingIdentity identity = ServingIdentity.standard("node-a", "10.96.0.1", List.of("192.168.5.10"));

  @Test
  void firstStartCreatesCaAndServingCertificateWithTheStandardNames() throws Exception {
    Path pkiDir = dir.resolve("pki");
    ClusterPki pki = ClusterPki.loadOrCreate(pkiDir, identity);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pkiDir)));

    X509Certificate ca = Pem.readCertificates(Files.readString(pkiDir.resolve("ca.crt"))).get(0);
    X509Certificate serving = Pem.readCertificates(pki.servingCertificatePem()).get(0);
    serving.verify(ca.getPublicKey());
    assertTrue(ca.getBasicConstraints() >= 0, "CA certificate must be a CA");
    assertTrue(ca.getNotAfter().toInstant().isAfter(ca.getNotBefore().toInstant().plus(Duration.ofDays(3649))));
    assertTrue(serving.getNotAfter().toInstant().isAfter(serving.getNotBefore().toInstant().plus(Duration.ofDays(364))));
    assertEquals(new TreeSet<>(Set.of("127.0.0.1", "0:0:0:0:0:0:0:1", "10.96.0.1", "192.168.5.10",
        "localhost", "node-a", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local")), sans(serving));
    assertEquals(List.of("1.3.6.1.5.5.7.3.1"), serving.getExtendedKeyUsage());

    for (String key : List.of("ca.key", "apiserver.key")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pkiDir.resolve(key))), key);
    }
    assertEquals(ca, pki.clientCaCertificates().get(0));
    assertTrue(pki.authority().isPresent());
  }

  @Test
  void restartReusesEverythingAndChangedNamesReissueOnlyTheServingCertificate() throws Exception {
    ClusterPki.loadOrCreate(dir, identity);
    String ca = Files.readString(dir.resolve("ca.crt"));
    String serving = Files.readString(dir.resolve("apiserver.crt"));

    ClusterPki again = ClusterPki.loadOrCreate(dir, ServingIdentity.standard("node-a", "10.96.0.1",
        List.of("192.168.5.10")));
    assertEquals(serving, again.servingCertificatePem(), "same names: serving certificate reused");
    assertEquals(ca, Files.readString(dir.resolve("ca.crt")));

    ClusterPki moved = ClusterPki.loadOrCreate(dir, ServingIdentity.standard("node-a", "10.96.0.1",
        List.of("192.168.5.10", "api.example.test")));
    assertNotEquals(serving, moved.servingCertificatePem(), "new SAN: serving certificate re-issued");
    assertEquals(ca, Files.readString(dir.resolve("ca.crt")), "the CA never changes");
    X509Certificate reissued = Pem.readCertificates(Files.readString(dir.resolve("apiserver.crt"))).get(0);
    assertTrue(sans(reissued).contains("api.example.test"));
    reissued.verify(Pem.readCertificates(ca).get(0).getPublicKey());
  }

  @Test
  void halfACaIsAnErrorNotANewCa() throws Exception {
    ClusterPki.loadOrCreate(dir, identity);
    Files.delete(dir.resolve("ca.key"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterPki.loadOrCreate(dir, identity));
    assertTrue(e.getMessage().contains("ca.key"), e.getMessage());
  }

  @Test
  void operatorFilesAreUsedAndAMismatchedKeyIsRefused() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("operator-ca", Duration.ofDays(10));
    IssuedCertificate serving = ca.issueServingCertificate("apiserver", identity, Duration.ofDays(1));
    IssuedCertificate other = ca.issueServingCertificate("apiserver", identity, Duration.ofDays(1));
    Path cert = Files.writeString(dir.resolve("tls.crt"), serving.certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"), serving.privateKeyPem());
    Path wrongKey = Files.writeString(dir.resolve("wrong.key"), other.privateKeyPem());
    Path clientCa = Files.writeString(dir.resolve("client-ca.crt"), ca.certificatePem());

    ClusterPki pki = ClusterPki.fromFiles(cert, key, clientCa);
    assertEquals(serving.certificatePem(), pki.servingCertificatePem());
    assertEquals(ca.certificate(), pki.clientCaCertificates().get(0));
    assertTrue(pki.authority().isEmpty());
    assertTrue(ClusterPki.fromFiles(cert, key, null).clientCaPem().isEmpty());

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterPki.fromFiles(cert, wrongKey, null));
    assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> ClusterPki.fromFiles(dir.resolve("missing"), key, null));
  }

  @Test
  void anOperatorClientCaCanBeTrustedBesideTheClusterCa() throws Exception {
    ClusterPki pki = ClusterPki.loadOrCreate(dir, identity);
    CertificateAuthority corporate = CertificateAuthority.create("corporate", Duration.ofDays(1));
    IssuedCertificate bob = corporate.issueClientCertificate("bob", List.of("devs"), Duration.ofHours(1));
    IssuedCertificate admin = pki.authority().orElseThrow()
        .issueClientCertificate("jk-admin", List.of("system:masters"), Duration.ofHours(1));

    ClusterPki both = pki.withAdditionalClientCa(corporate.certificatePem());
    var authenticator = new io.jk.apiserver.auth.ClientCertificateAuthenticator(both.clientCaCertificates());
    assertEquals("bob", authenticator.authenticate(null, List.of(bob.certificate())).orElseThrow().name());
    assertEquals("jk-admin", authenticator.authenticate(null, List.of(admin.certificate())).orElseThrow().name());
    var clusterOnly = new io.jk.apiserver.auth.ClientCertificateAuthenticator(pki.clientCaCertificates());
    assertTrue(clusterOnly.authenticate(null, List.of(bob.certificate())).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> pki.withAdditionalClientCa("garbage"));
  }

  @Test
  void flagsChooseOperatorFilesOrTheGeneratedPki() throws Exception {
    CertificateAuthority corporate = CertificateAuthority.create("corporate", Duration.ofDays(1));
    Path clientCa = Files.writeString(dir.resolve("client-ca.crt"), corporate.certificatePem());

    ClusterPki generated = ClusterPki.resolve(dir.resolve("pki"), identity, null, null, clientCa);
    assertTrue(generated.authority().isPresent());
    assertEquals(2, generated.clientCaCertificates().size(), "jk's CA and the operator's");

    IssuedCertificate serving = corporate.issueServingCertificate("api", identity, Duration.ofDays(1));
    Path cert = Files.writeString(dir.resolve("tls.crt"), serving.certificatePem());
    Path key = Files.writeString(dir.resolve("tls.key"), serving.privateKeyPem());
    ClusterPki given = ClusterPki.resolve(dir.resolve("unused"), identity, cert, key, clientCa);
    assertTrue(given.authority().isEmpty());
    assertEquals(List.of(corporate.certificate()), given.clientCaCertificates());
    assertTrue(Files.notExists(dir.resolve("unused")), "no PKI generated when the operator gives files");

    assertThrows(IllegalArgumentException.class, () -> ClusterPki.resolve(dir, identity, cert, null, null));
    Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate");
    assertThrows(IllegalStateException.class, () -> ClusterPki.resolve(dir.resolve("pki"), identity, null, null, garbage));
  }

  @Test
  void clientCertificatesCarryUserAndGroups() {
    CertificateAuthority ca = CertificateAuthority.create("ca", Duration.ofDays(1));
    IssuedCertificate node = ca.issueClientCertificate("system:node:n1", List.of("system:nodes"), Duration.ofHours(1));
    String subject = node.certificate().getSubjectX500Principal().getName();
    assertTrue(subject.contains("CN=system:node:n1") && subject.contains("O=system:nodes"), subject);
    assertThrows(IllegalArgumentException.class, () -> ca.issueClientCertificate(" ", List.of(), Duration.ofHours(1)));
    assertThrows(IllegalArgumentException.class, () -> ca.issueClientCertificate("u", List.of(), Duration.ZERO));
  }

  @Test
  void badNamesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ServingIdentity.standard(null, null, List.of("bad host!")));
    assertTrue(ServingIdentity.standard("My_Laptop", null, List.of()).dnsNames().stream().noneMatch(n -> n.contains("_")),
        "an odd machine name is left out, not fatal");
    assertThrows(IllegalArgumentException.class, () -> new ServingIdentity(Set.of(), Set.of("300.1.1.1")));
  }

  private static Set<String> sans(X509Certificate cert) throws Exception {
    Set<String> names = new TreeSet<>();
    for (List<?> san : cert.getSubjectAlternativeNames()) {
      names.add((String) san.get(1));
    }
    return names;
  }
}
