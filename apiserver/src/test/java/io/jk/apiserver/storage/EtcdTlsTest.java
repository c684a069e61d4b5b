package io.jk.apiserver.storage;

import io.jk.testing.etcd.EtcdProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd store over TLS with client certificates, as kube-apiserver's --etcd-cafile/certfile/keyfile. */
class EtcdTlsTest {

  @TempDir
  Path dir;

  @Test
  void connectsWithCaAndClientCertificateAndIsRefusedWithout() throws Exception {
    Assumptions.assumeTrue(EtcdProcess.available(), "etcd is not installed");
    TestPki pki = TestPki.create(dir);
    try (EtcdProcess etcd = EtcdProcess.startTls(new EtcdProcess.Tls(pki.serverCert, pki.serverKey, pki.caCert))) {
      assertEquals(true, etcd.endpoint().startsWith("https://"));
      StoreOptions tls = StoreOptions.defaults().withEtcdTls(pki.caCert.toString(), pki.clientCert.toString(),
          pki.clientKey.toString());
      try (Store store = StoreFactory.open(etcd.endpoint(), tls)) {
        KeyValue kv = StoreConformanceTest.get(store.create("/registry/tls/a", "secret".getBytes()));
        assertEquals("secret", new String(StoreConformanceTest.get(store.get("/registry/tls/a")).value()));
        assertEquals(kv.modRevision(), StoreConformanceTest.get(store.get("/registry/tls/a")).modRevision());
      }
      // Trusting the CA but presenting no client certificate: etcd refuses the handshake.
      StoreOptions noClientCert = StoreOptions.defaults().withEtcdTls(pki.caCert.toString(), null, null)
          .withRequestTimeout(Duration.ofSeconds(3));
      try (Store store = StoreFactory.open(etcd.endpoint(), noClientCert)) {
        RuntimeException e = assertThrows(RuntimeException.class,
            () -> StoreConformanceTest.get(store.get("/registry/tls/a")));
        assertInstanceOf(StoreException.class, e);
      }
    }
  }

  @Test
  void halfAClientKeyPairIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("https://127.0.0.1:1",
        StoreOptions.defaults().withEtcdTls(null, dir.resolve("c.crt").toString(), null)));
  }
}
