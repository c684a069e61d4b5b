package io.jk.controllers.serviceaccount;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** What the per-namespace object controllers need to know about a namespace and their writes. */
final class NamespaceState {

  private NamespaceState() {}

  /** Whether {@code ns} exists and is not being deleted (objects may be created in it). */
  static boolean active(Namespace ns) {
    return ns != null && ns.getMetadata().getDeletionTimestamp() == null
        && (ns.getStatus() == null || !"Terminating".equals(ns.getStatus().getPhase()));
  }

  /**
   * Whether a failed create needs no retry: 409 (it exists: the informer will show it), 404 or
   * 403 (the namespace is gone or terminating).
   */
  static boolean benign(KubernetesClientException e) {
    return e.getCode() == 409 || e.getCode() == 404 || e.getCode() == 403;
  }
}
