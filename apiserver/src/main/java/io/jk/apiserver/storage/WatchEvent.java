package io.jk.apiserver.storage;

/**
 * One change seen by a watch.
 *
 * @param type what happened
 * @param kv the new version (for {@link Type#DELETE}: the last value, with the delete's revision)
 * @param prevKv the version before the change, or {@code null} for a creation
 */
public record WatchEvent(Type type, KeyValue kv, KeyValue prevKv) {

  /** The kinds of change. */
  public enum Type { CREATE, UPDATE, DELETE }

  /** The revision of this change. */
  public long revision() {
    return kv.modRevision();
  }
}
