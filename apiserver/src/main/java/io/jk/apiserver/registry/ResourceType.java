package io.jk.apiserver.registry;

import java.util.List;
import java.util.Map;

/**
 * One resource the API server serves: its names, scope, verbs and subresources.
 *
 * @param group API group ({@code ""} for core)
 * @param version API version, e.g. {@code v1}
 * @param resource plural resource name, e.g. {@code deployments}
 * @param singular singular name, e.g. {@code deployment}
 * @param kind object kind, e.g. {@code Deployment}
 * @param namespaced whether objects live in a namespace
 * @param shortNames kubectl short names, e.g. {@code deploy}
 * @param categories categories, e.g. {@code all}
 * @param verbs the verbs of the main resource
 * @param subresources subresources by name ({@code status}, {@code scale}, ...)
 */
public record ResourceType(
    String group,
    String version,
    String resource,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    List<String> verbs,
    Map<String, Subresource> subresources) {

  /** The verbs of an ordinary resource. */
  public static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /**
   * A subresource such as {@code status} or {@code scale}.
   *
   * @param name e.g. {@code scale}
   * @param group the group of the kind it takes and returns
   * @param version the version of that kind
   * @param kind e.g. {@code Scale}
   * @param verbs e.g. {@code get, patch, update}
   */
  public record Subresource(String name, String group, String version, String kind, List<String> verbs) {}

  /** {@code apps/v1}, or {@code v1} for the core group. */
  public String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** The name kubectl uses in messages, e.g. {@code deployments.apps} or {@code pods}. */
  public String qualifiedResource() {
    return group.isEmpty() ? resource : resource + "." + group;
  }

  /** The store key prefix of this resource, ending in {@code /}. */
  public String keyPrefix() {
    return "/registry/" + (group.isEmpty() ? "" : group + "/") + resource + "/";
  }

  /** The store key of one object ({@code namespace} ignored for cluster-scoped resources). */
  public String key(String namespace, String name) {
    return namespaced ? keyPrefix() + namespace + "/" + name : keyPrefix() + name;
  }

  /** Whether the resource has a {@code status} subresource. */
  public boolean hasStatus() {
    return subresources.containsKey("status");
  }

  /** Whether {@code verb} is allowed on the main resource. */
  public boolean allows(String verb) {
    return verbs.contains(verb);
  }
}
