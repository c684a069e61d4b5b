package io.jk.scheduler.framework;

import io.vertx.core.Future;

/** Binds a pod to a node in the API server. */
public interface BindPlugin extends Plugin {
  /** Completes when the API server accepted the binding; fails with the API error otherwise. */
  Future<Void> bind(PodInfo pod, String nodeName);
}
