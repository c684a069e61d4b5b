package io.jk.testing;

import io.jk.apiserver.memstore.MemoryStore;
import io.jk.apiserver.storage.Store;
import java.nio.file.Path;

/** Opens the store test servers run on. */
final class TestStores {

  private TestStores() {}

  /** A fresh store whose files (if any) live in {@code dir}. */
  static Store open(Path dir) {
    return new MemoryStore();
  }
}
