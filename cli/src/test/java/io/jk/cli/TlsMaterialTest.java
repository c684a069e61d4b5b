package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client keys in every PEM form kubeconfigs carry, made by {@code openssl}: each is read and
 * signs what its certificate's public key verifies (so the right key, not just some key).
 */
class TlsMaterialTest {

  @TempDir
  Path dir;

  static Stream<Arguments> keys() {
    return Stream.of(
        Arguments.of("EC P-256 as SEC1 (EC PRIVATE KEY), what jk's CA issues",
            List.of("ecparam", "-name", "prime256v1", "-genkey", "-noout"), "EC PRIVATE KEY", "SHA256withECDSA"),
        Arguments.of("EC P-384 as SEC1", List.of("ecparam", "-name", "secp384r1", "-genkey", "-noout"),
            "EC PRIVATE KEY", "SHA384withECDSA"),
        Arguments.of("RSA as PKCS#1 (RSA PRIVATE KEY), what kubeadm writes",
            List.of("genrsa", "-traditional", "2048"), "RSA PRIVATE KEY", "SHA256withRSA"),
        Arguments.of("RSA as PKCS#8 (PRIVATE KEY)", List.of("genpkey", "-algorithm", "RSA"), "PRIVATE KEY",
            "SHA256withRSA"),
        Arguments.of("EC as PKCS#8", List.of("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"),
            "PRIVATE KEY", "SHA256withECDSA"));
  }

  private String openssl(List<String> args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertEquals(0, p.waitFor(), "openssl " + args);
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keys")
  void readsTheKeyThatMatchesItsCertificate(String name, List<String> gen, String pemType, String algorithm)
      throws Exception {
    String key = openssl(gen);
    assertTrue(key.contains("-----BEGIN " + pemType + "-----"), key);
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(keyFile, key);
    String cert = openssl(List.of("req", "-new", "-x509", "-key", keyFile.toString(), "-subj", "/CN=jkctl-test",
        "-days", "1"));

    PrivateKey k = TlsMaterial.privateKey(key.getBytes(StandardCharsets.US_ASCII));
    List<X509Certificate> chain = TlsMaterial.certificates(cert.getBytes(StandardCharsets.US_ASCII));
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(k);
    signer.update("hello".getBytes(StandardCharsets.US_ASCII));
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(chain.get(0).getPublicKey());
    verifier.update("hello".getBytes(StandardCharsets.US_ASCII));
    assertTrue(verifier.verify(sig), "the key read is the certificate's");

    TlsMaterial.ClientKeyManager km = new TlsMaterial.ClientKeyManager(chain, k);
    String alias = km.chooseClientAlias(new String[] {k.getAlgorithm()}, null, null);
    assertEquals(k, km.getPrivateKey(alias));
    assertEquals(chain.get(0), km.getCertificateChain(alias)[0]);
    String other = k.getAlgorithm().equals("EC") ? "RSA" : "EC";
    assertEquals(null, km.chooseClientAlias(new String[] {other}, null, null), "no key offered for another key type");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bad")
  void badInputGetsAClearError(String name, String pem, String message) {
    Exception e = assertThrows(java.security.GeneralSecurityException.class,
        () -> TlsMaterial.privateKey(pem.getBytes(StandardCharsets.US_ASCII)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("no PEM at all", "not a key", "no PEM private key found"),
        Arguments.of("a certificate where the key should be", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "no PEM private key found"),
        Arguments.of("an unknown key type", "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n",
            "unsupported key type DSA PRIVATE KEY"),
        Arguments.of("a truncated EC key", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n",
            "DER"));
  }
}
