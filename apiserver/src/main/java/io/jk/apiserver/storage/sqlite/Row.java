package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.KeyValue;

/** The newest row of a key as the writer sees it (a tombstone means the key is absent). */
record Row(long id, long createRevision, boolean deleted, byte[] value) {

  KeyValue toKeyValue(String key) {
    return new KeyValue(key, value, createRevision, id);
  }
}
