package io.jk.testing;

import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import java.nio.file.Path;

/** Opens the store test servers run on: the embedded SQLite store in the server's temp directory. */
final class TestStores {

  private TestStores() {}

  /** A fresh SQLite store in {@code dir}. */
  static Store open(Path dir) {
    return StoreFactory.open("sqlite://" + dir.resolve("state.db").toAbsolutePath(), StoreOptions.defaults());
  }
}
