package io.jk.common.kubeconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.client.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigsTest {

  private static final String CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";

  @TempDir
  Path dir;

  @Test
  void clientCertificateKubeconfigIsPrivateAndReadByFabric8() throws Exception {
    Path file = dir.resolve("sub/admin.kubeconfig");
    Kubeconfigs.write(file, Kubeconfigs.Spec.withClientCertificate("https://127.0.0.1:6443", CA, "jk", "jk-admin",
        "CERT-PEM", "KEY-PEM", "kube-system"));

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    Config config = Config.fromKubeconfig(null, Files.readString(file), file.toString());
    assertEquals("https://127.0.0.1:6443/", config.getMasterUrl());
    assertEquals("kube-system", config.getNamespace());
    assertEquals(CA, decode(config.getCaCertData()));
    assertEquals("CERT-PEM", decode(config.getClientCertData()));
    assertEquals("KEY-PEM", decode(config.getClientKeyData()));
    assertNull(config.getOauthToken());
    assertEquals("jk", config.getCurrentContext().getName());
  }

  @Test
  void tokenKubeconfigReplacesTheOldFileAtomically() throws Exception {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, "old");
    Kubeconfigs.write(file, Kubeconfigs.Spec.withToken("https://10.0.0.1:6443", CA, "lab", "node1", "abc.def", null));

    Config config = Config.fromKubeconfig(null, Files.readString(file), file.toString());
    assertEquals("abc.def", config.getAutoOAuthToken());
    assertEquals("default", config.getNamespace());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    try (var listing = Files.list(dir)) {
      assertFalse(listing.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary file left behind");
    }
  }

  @Test
  void incompleteCredentialsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Kubeconfigs.Spec("https://h:1", CA, "c", "u",
        "CERT", null, null, null));
    assertThrows(IllegalArgumentException.class, () -> new Kubeconfigs.Spec("https://h:1", CA, "c", "u",
        null, null, null, null));
    assertThrows(IllegalArgumentException.class, () -> new Kubeconfigs.Spec("https://h:1", CA, "c", "u",
        "CERT", "KEY", "tok", null));
    assertThrows(IllegalArgumentException.class, () -> Kubeconfigs.Spec.withToken("ftp://h", CA, "c", "u", "t", null));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
