package io.jk.deploy.lab;

import io.jk.common.config.Durations;
import java.time.Duration;

/**
 * How a lab runs its control plane.
 *
 * @param splitControlPlane run the API server, the scheduler and the controller-manager as three
 *     processes ({@code jk apiserver}, {@code jk scheduler}, {@code jk controller-manager}) so that
 *     each can be killed and restarted alone; otherwise one {@code jk server} process
 * @param nodeMonitorGracePeriod the controller-manager's {@code --node-monitor-grace-period} (how
 *     old a node's heartbeat may get before the node turns Unknown and is tainted), null for the
 *     default (50 s); short values need the split control plane, since {@code jk server} does not
 *     take the flag
 */
public record LabConfig(boolean splitControlPlane, Duration nodeMonitorGracePeriod) {

  /** The kubelets renew their Lease every 10 s: a shorter grace period would mark healthy nodes lost. */
  static final Duration MIN_GRACE = Duration.ofSeconds(12);

  /** Checks the combination; bad input gets a clear error. */
  public LabConfig {
    if (nodeMonitorGracePeriod != null) {
      if (nodeMonitorGracePeriod.compareTo(MIN_GRACE) < 0) {
        throw new IllegalArgumentException("--node-monitor-grace-period must be at least " + MIN_GRACE.toSeconds()
            + "s (the kubelets renew their Lease every 10s): " + nodeMonitorGracePeriod.toSeconds() + "s");
      }
      if (!splitControlPlane) {
        throw new IllegalArgumentException("--node-monitor-grace-period needs --split-control-plane"
            + " (jk server does not take the controller-manager's flags)");
      }
    }
  }

  /** One {@code jk server} process with the default timings. */
  public static LabConfig defaults() {
    return new LabConfig(false, null);
  }

  /** The grace period as a flag value ({@code 16s}), or null when unset. */
  String graceFlag() {
    return nodeMonitorGracePeriod == null ? null : nodeMonitorGracePeriod.toMillis() + "ms";
  }

  /** Parses a Go-style duration flag ({@code 16s}, {@code 1m}) into a grace period, null for null. */
  static Duration parseGrace(String text) {
    return text == null ? null : Durations.parse(text);
  }
}
