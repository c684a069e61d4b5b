package io.jk.common.controller;

/**
 * Brings the object named by a key ({@code namespace/name}, or {@code name} for cluster-scoped
 * objects) to its desired state. Implementations read the latest object from an informer's cache
 * (never from the event that queued the key), are idempotent, and throw to be retried with
 * back-off.
 */
public interface Reconciler {

  /** Reconciles {@code key}; an exception requeues it with per-key exponential back-off. */
  Result reconcile(String key) throws Exception;
}
