package io.jk.deploy;

import io.vertx.core.Future;

/**
 * One part of a jk process (API server, scheduler, controller-manager, kubelet, proxy) with an
 * asynchronous lifecycle, so that a launcher can start parts in order and stop them in reverse.
 */
public interface Component {

  /** The name used in logs and error messages, e.g. {@code scheduler}. */
  String name();

  /** Starts the component; the future completes when it is serving, or fails with the reason. */
  Future<Void> start();

  /** Stops the component and releases what it holds; safe to call after a failed start. */
  Future<Void> stop();

  /**
   * Fails when the component dies after a successful start (the launcher then exits non-zero
   * with the reason); never completes while it runs normally.
   */
  Future<Void> terminated();
}
