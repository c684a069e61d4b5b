package io.jk.common.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election over a {@code coordination.k8s.io/v1} Lease, wrapping fabric8's
 * {@link LeaderElector}: only the holder of {@code <namespace>/<name>} runs its controllers.
 * Kubernetes' defaults: lease 15 s, renew deadline 10 s, retry 2 s.
 *
 * <p>When leadership is lost, {@code onStoppedLeading} runs; components exit then (as
 * kube-controller-manager does) so that two leaders never act at once.
 */
public final class LeaderElection {

  private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

  /** Timings of the election. */
  public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    /** Kubernetes' defaults: 15 s, 10 s, 2 s. */
    public static Timings defaults() {
      return new Timings(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String identity;
  private final Timings timings;
  private final AtomicReference<CompletableFuture<?>> running = new AtomicReference<>();
  private volatile boolean leading;

  /** An election for the Lease {@code namespace/name} in which this process is {@code identity}. */
  public LeaderElection(KubernetesClient client, String namespace, String name, String identity, Timings timings) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.name = Objects.requireNonNull(name, "name");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.timings = Objects.requireNonNull(timings, "timings");
  }

  /**
   * Starts campaigning; {@code onStartedLeading} runs when this process becomes leader and
   * {@code onStoppedLeading} when it loses (or gives up) the lease. Returns at once.
   */
  public void start(Runnable onStartedLeading, Runnable onStoppedLeading) {
    LeaderElector elector =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName(name)
                    .withLock(new LeaseLock(namespace, name, identity))
                    .withLeaseDuration(timings.leaseDuration())
                    .withRenewDeadline(timings.renewDeadline())
                    .withRetryPeriod(timings.retryPeriod())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> {
                              leading = true;
                              LOG.info("Became leader lease={}/{} identity={}", namespace, name, identity);
                              onStartedLeading.run();
                            },
                            () -> {
                              boolean was = leading;
                              leading = false;
                              if (was) {
                                LOG.warn("Lost leadership lease={}/{} identity={}", namespace, name, identity);
                              }
                              onStoppedLeading.run();
                            },
                            leader -> LOG.info("Leader observed lease={}/{} leader={}", namespace, name, leader)))
                    .build())
            .build();
    CompletableFuture<?> f = elector.start();
    CompletableFuture<?> previous = running.getAndSet(f);
    if (previous != null) {
      previous.cancel(true);
    }
    // A campaign can end on its own (API unreachable, client closed) without the elector calling
    // back: a leader must never keep working then. A deliberate stop() is not such an end.
    f.whenComplete((r, e) -> {
      if (running.get() == f && leading) {
        leading = false;
        LOG.warn("Leader election ended while leading lease={}/{} identity={}", namespace, name, identity);
        onStoppedLeading.run();
      }
    });
  }

  /** Whether this process holds the lease now. */
  public boolean isLeader() {
    return leading;
  }

  /** Stops campaigning and releases the lease if held. */
  public void stop() {
    CompletableFuture<?> f = running.getAndSet(null);
    if (f != null) {
      f.cancel(true);
    }
  }
}
