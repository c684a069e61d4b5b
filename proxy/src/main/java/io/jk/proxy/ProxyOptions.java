package io.jk.proxy;

import java.time.Duration;

/**
 * Settings of one proxy.
 *
 * @param nodeName this node's name (routes to it are not installed)
 * @param clusterCidr the pod network, or null
 * @param minSyncPeriod least time between two syncs; changes inside it are batched
 * @param netns network namespace to program (null: the proxy's own)
 */
public record ProxyOptions(String nodeName, String clusterCidr, Duration minSyncPeriod, String netns) {
  /** Validates the options. */
  public ProxyOptions {
    if (nodeName == null || nodeName.isBlank()) {
      throw new IllegalArgumentException("node name is required");
    }
    if (clusterCidr != null && !clusterCidr.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+")) {
      throw new IllegalArgumentException("cluster CIDR is not an IPv4 CIDR: " + clusterCidr);
    }
    if (minSyncPeriod == null || minSyncPeriod.isNegative()) {
      throw new IllegalArgumentException("min sync period must be >= 0");
    }
  }
}
