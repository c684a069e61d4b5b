package io.jk.scheduler.framework;

import java.util.Map;

/**
 * The labels of namespaces, for plugins whose terms select namespaces by label (pod affinity's
 * {@code namespaceSelector}). Every namespace carries {@code kubernetes.io/metadata.name}, as
 * Kubernetes guarantees, even when its object is not (yet) known.
 */
@FunctionalInterface
public interface NamespaceLabels {
  /** The label Kubernetes puts on every namespace, holding its name. */
  String NAME_LABEL = "kubernetes.io/metadata.name";

  /** Knows no namespace objects: each namespace has only its name label. */
  NamespaceLabels NONE = ns -> Map.of();

  /**
   * The labels of namespace {@code ns} as stored (never null; empty when the namespace is
   * unknown). Callers use {@link #of(String)}.
   */
  Map<String, String> stored(String ns);

  /** The namespace's labels with {@link #NAME_LABEL} added. */
  default Map<String, String> of(String ns) {
    Map<String, String> l = stored(ns);
    if (l == null || l.isEmpty()) {
      return Map.of(NAME_LABEL, ns);
    }
    if (ns.equals(l.get(NAME_LABEL))) {
      return l;
    }
    Map<String, String> out = new java.util.HashMap<>(l);
    out.put(NAME_LABEL, ns);
    return out;
  }
}
