package io.jk.apiserver.storage.sqlite;

import io.jk.apiserver.storage.CallerCompletion;
import io.jk.apiserver.storage.KeyValue;

/** One write waiting for the writer thread. */
final class WriteOp {

  enum Kind { CREATE, UPDATE, DELETE, COMPACT }

  final Kind kind;
  final String key;
  final byte[] value;
  /** Expected modRevision (update, delete), or the compaction revision. */
  final long revision;
  final CallerCompletion<KeyValue> done;

  WriteOp(Kind kind, String key, byte[] value, long revision, CallerCompletion<KeyValue> done) {
    this.kind = kind;
    this.key = key;
    this.value = value;
    this.revision = revision;
    this.done = done;
  }
}
