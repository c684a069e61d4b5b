package io.jk.apiserver.storage.etcd;

import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.StoreOptions;
import java.util.List;

/** The etcd backend (jetcd). */
public final class EtcdStore {

  private EtcdStore() {}

  /** Connects to etcd at {@code endpoints}. */
  public static Store connect(List<String> endpoints, StoreOptions options) {
    throw new StoreException("etcd backend not available yet: " + endpoints);
  }
}
