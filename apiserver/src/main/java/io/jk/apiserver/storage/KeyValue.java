package io.jk.apiserver.storage;

/**
 * One version of a key.
 *
 * @param key the key
 * @param value the bytes stored (for a deletion event: the last value before it)
 * @param createRevision the revision at which the key was created
 * @param modRevision the revision of this version (for a deletion: the revision of the delete)
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision) {}
