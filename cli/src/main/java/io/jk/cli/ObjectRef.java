package io.jk.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A manifest object located on the server: its type, namespace and name.
 *
 * @param type the resource type
 * @param namespace the namespace (null for cluster-scoped types)
 * @param name the name
 */
public record ObjectRef(ResourceInfo type, String namespace, String name) {

  /** Locates {@code obj}: its own namespace, else {@code -n}/the context's. */
  public static ObjectRef of(JsonNode obj, Session s) {
    ResourceInfo type = s.discovery().forKind(obj.path("apiVersion").asText(), obj.path("kind").asText());
    String ns = null;
    if (type.namespaced()) {
      String own = obj.path("metadata").path("namespace").asText("");
      if (!own.isEmpty() && s.namespaceGiven() && !own.equals(s.namespace())) {
        throw new CliException("the namespace from the provided object \"" + own + "\" does not match the "
            + "namespace \"" + s.namespace() + "\". You must pass '--namespace=" + own + "' to perform this operation.");
      }
      ns = own.isEmpty() ? s.namespace() : own;
    }
    return new ObjectRef(type, ns, obj.path("metadata").path("name").asText());
  }

  /** The object's path. */
  public String path() {
    return type.objectPath(namespace, name);
  }

  /** The collection's path (for create). */
  public String collectionPath() {
    return type.collectionPath(namespace);
  }

  /** {@code deployment.apps/web}. */
  public String display() {
    return type.kindPrefix() + "/" + name;
  }
}
