package io.jk.kubelet.network;

import io.vertx.core.Future;

/**
 * Connects pod sandboxes to the node's pod network through CNI plugins (spec 1.0: ADD, DEL, CHECK),
 * from {@code /etc/cni/net.d} or a default bridge + host-local + loopback configuration built from
 * the node's {@code podCIDR} (no portmap: host ports are mapped in jk's own nftables table, see {@link HostPorts}).
 */
public interface PodNetwork {

  /**
   * Runs CNI ADD for the sandbox's network namespace and caches the result for DEL.
   *
   * @return the pod's addresses; fails with the plugin's error message
   */
  Future<PodNetworkStatus> setUp(SandboxNetworkRef sandbox);

  /** Runs CNI DEL with the cached result; succeeds when there is nothing to remove. */
  Future<Void> tearDown(SandboxNetworkRef sandbox);

  /** Runs CNI CHECK; fails with the plugin's error when the network is not as set up. */
  Future<Void> check(SandboxNetworkRef sandbox);
}
