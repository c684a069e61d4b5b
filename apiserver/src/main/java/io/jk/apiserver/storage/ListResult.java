package io.jk.apiserver.storage;

import java.util.List;

/**
 * A page of keys.
 *
 * @param items the key-values, in key order
 * @param revision the revision the page was read at
 * @param more whether keys remain after the last item (the page was cut by the limit)
 */
public record ListResult(List<KeyValue> items, long revision, boolean more) {}
