package io.jk.controllers;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.common.leader.LeaderElection;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jk controller-manager}: runs the controllers against an API server. Flags are named like
 * kube-controller-manager's; every invalid flag is reported at once (exit code 2). The process
 * runs until interrupted, or exits 1 when it loses the leader election.
 */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
    description = "Reconciles ReplicaSets, Deployments, garbage, namespaces, node CIDRs and endpoints.")
public final class ControllerManagerCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerManagerCommand.class);

  @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the API server to reconcile against")
  Path kubeconfig;

  @Option(names = "--leader-elect", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      description = "run only while holding the Lease kube-system/kube-controller-manager (default: ${DEFAULT-VALUE})")
  boolean leaderElect;

  @Option(names = "--leader-elect-resource-namespace", defaultValue = "kube-system") String leaseNamespace;
  @Option(names = "--leader-elect-resource-name", defaultValue = "kube-controller-manager") String leaseName;
  @Option(names = "--leader-elect-lease-duration", defaultValue = "15s") String leaseDuration;
  @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s") String renewDeadline;
  @Option(names = "--leader-elect-retry-period", defaultValue = "2s") String retryPeriod;

  /** The controllers' own flags, shared with {@code jk server}. */
  @Mixin
  ControllerFlags flags = new ControllerFlags();

  @Option(names = "--bind-address", defaultValue = "127.0.0.1", description = "address of /healthz and /metrics")
  String bindAddress;

  @Option(names = "--secure-port", defaultValue = "10257", description = "port of /healthz and /metrics (0: any free port)")
  int port;

  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile ControllerManager manager;

  /** The options these flags describe, with every problem found listed in {@code errors}. */
  ControllerManagerOptions options(List<String> errors) {
    Duration lease = parseDuration("--leader-elect-lease-duration", leaseDuration, errors);
    Duration renew = parseDuration("--leader-elect-renew-deadline", renewDeadline, errors);
    Duration retry = parseDuration("--leader-elect-retry-period", retryPeriod, errors);
    if (lease != null && renew != null && retry != null && !(lease.compareTo(renew) > 0 && renew.compareTo(retry) > 0)) {
      errors.add("leader election needs lease-duration > renew-deadline > retry-period");
    }
    LeaderElection.Timings timings = lease == null || renew == null || retry == null
        ? LeaderElection.Timings.defaults() : new LeaderElection.Timings(lease, renew, retry);
    ControllerManagerOptions o = flags.options(leaderElect, leaseNamespace, leaseName, timings, bindAddress, port, errors);
    if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
      errors.add("--kubeconfig: cannot read " + kubeconfig);
    }
    return o;
  }

  @Override
  public Integer call() throws Exception {
    List<String> errors = new java.util.ArrayList<>();
    ControllerManagerOptions opts = options(errors);
    if (!errors.isEmpty()) {
      errors.forEach(e -> System.err.println("error: " + e));
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    KubernetesClient client = Clients.fromKubeconfig(kubeconfig);
    try {
      manager = new ControllerManager(vertx, client, opts);
      manager.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Thread hook = new Thread(this::shutdown, "controller-manager-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      manager.terminated().onFailure(e -> stopRequested.countDown());
      stopRequested.await();
      boolean lost = manager.terminated().failed();
      manager.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      if (lost) {
        LOG.error("Exiting: leader election lost");
        return 1;
      }
      return 0;
    } finally {
      client.close();
      vertx.close();
    }
  }

  /** Runs the command on its own ({@code java -cp ... io.jk.controllers.ControllerManagerCommand --kubeconfig F}). */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new ControllerManagerCommand()).execute(args));
  }

  /** Asks a running {@link #call()} to stop and return. */
  public void shutdown() {
    stopRequested.countDown();
  }

  /** The running manager (null before start). */
  public ControllerManager manager() {
    return manager;
  }

  /** Parses a Kubernetes-style duration flag, adding a message to {@code errors} when it is not one. */
  static Duration parseDuration(String flag, String text, List<String> errors) {
    return ControllerFlags.parseDuration(flag, text, errors);
  }
}
