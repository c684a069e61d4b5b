package io.jk.apiserver.serviceaccount;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads core objects from the API server's in-memory cache, without blocking (the event loop
 * calls it). May be a few milliseconds behind the store.
 */
@FunctionalInterface
public interface CachedObjects {

  /**
   * The cached object, or null when the cache does not hold it.
   *
   * @param resource a core resource, e.g. {@code serviceaccounts}, {@code pods}, {@code secrets}
   * @param namespace its namespace (null or empty for cluster-scoped resources such as {@code nodes})
   * @param name its name
   */
  ObjectNode find(String resource, String namespace, String name);
}
