package io.jk.apiserver.storage;

import io.jk.testing.etcd.EtcdProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The conformance suite against a real etcd process (one per class; each test uses its own key prefix). */
class EtcdStoreTest extends StoreConformanceTest {

  private static EtcdProcess etcd;

  @BeforeAll
  static void startEtcd() {
    Assumptions.assumeTrue(EtcdProcess.available(), "etcd is not installed at " + EtcdProcess.DEFAULT_BINARY);
    etcd = EtcdProcess.start();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  protected Store newStore(StoreOptions options) {
    return StoreFactory.open(etcd.endpoint(), options);
  }

  @Test
  void severalEndpointsAreAccepted() {
    try (Store two = StoreFactory.open(etcd.endpoint() + "," + etcd.endpoint().replace("127.0.0.1", "127.0.0.1"),
        StoreOptions.defaults())) {
      KeyValue kv = get(two.create(p + "x", b("1")));
      assertEquals("1", s(get(store.get(p + "x")).value()));
      assertEquals(kv.modRevision(), get(store.get(p + "x")).modRevision());
    }
  }

  @Test
  void endpointListsAreParsed() {
    assertEquals(List.of("http://a:1", "https://b:2", "http://c:3"),
        StoreFactory.etcdEndpoints("http://a:1, https://b:2,etcd://c:3"));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.etcdEndpoints("ftp://x"));
    assertThrows(IllegalArgumentException.class, () -> StoreFactory.open("http://127.0.0.1:1",
        StoreOptions.defaults().withEtcdTls(null, "/nonexistent/cert.pem", null)));
  }
}
