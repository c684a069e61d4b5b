package io.jk.cli;

import java.util.List;

/**
 * One resource type as discovery describes it.
 *
 * @param group API group ("" for core)
 * @param version API version, e.g. {@code v1}
 * @param resource plural resource name, e.g. {@code deployments}
 * @param singular singular name, e.g. {@code deployment}
 * @param kind kind, e.g. {@code Deployment}
 * @param namespaced whether objects live in namespaces
 * @param shortNames short names, e.g. {@code deploy}
 * @param categories categories, e.g. {@code all}
 * @param verbs verbs the server allows
 */
public record ResourceInfo(String group, String version, String resource, String singular, String kind,
    boolean namespaced, List<String> shortNames, List<String> categories, List<String> verbs) {

  /** {@code apps/v1} or {@code v1}. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code deployment.apps} or {@code pod}, the prefix kubectl prints before a name. */
  public String kindPrefix() {
    String k = kind.toLowerCase(java.util.Locale.ROOT);
    return group.isEmpty() ? k : k + "." + group;
  }

  /** {@code deployments.apps} or {@code pods}, as kubectl names the type in messages. */
  public String qualifiedResource() {
    return group.isEmpty() ? resource : resource + "." + group;
  }

  /** The collection path in {@code namespace} (null or ignored for cluster-scoped types or all namespaces). */
  public String collectionPath(String namespace) {
    String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    if (namespaced && namespace != null) {
      return base + "/namespaces/" + namespace + "/" + resource;
    }
    return base + "/" + resource;
  }

  /** The path of one object. */
  public String objectPath(String namespace, String name) {
    return collectionPath(namespace) + "/" + Paths.segment(name);
  }
}
