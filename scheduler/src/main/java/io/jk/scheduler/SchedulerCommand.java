package io.jk.scheduler;

import io.jk.common.health.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jk scheduler}: runs the scheduler against an API server until interrupted. */
@Command(name = "scheduler", mixinStandardHelpOptions = true,
    description = "Binds pending pods to nodes (Kubernetes' kube-scheduler rules).")
public final class SchedulerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerCommand.class);

  @Option(names = "--kubeconfig", required = true, description = "Kubeconfig of the API server.")
  Path kubeconfig;

  @Option(names = "--scheduler-name", description = "Schedule pods whose spec.schedulerName is this "
      + "(default: from --config, else default-scheduler).")
  String schedulerName;

  @Option(names = "--leader-elect", description = "Run only while holding the kube-system/kube-scheduler Lease.")
  boolean leaderElect;

  @Option(names = "--config", description = "KubeSchedulerConfiguration YAML file (weights, plugins, scoring strategy).")
  Path config;

  @Option(names = "--bind-address", defaultValue = "127.0.0.1", description = "Address of /healthz and /metrics.")
  String bindAddress;

  @Option(names = "--port", defaultValue = "10251", description = "Port of /healthz and /metrics (0: any free port).")
  int port;

  @Override
  public Integer call() throws Exception {
    SchedulerConfig cfg = config == null ? SchedulerConfig.defaults() : SchedulerConfig.load(config);
    if (schedulerName != null) {
      cfg = cfg.withSchedulerName(schedulerName);
    }
    if (leaderElect) {
      cfg = cfg.withLeaderElect(true);
    }
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (KubernetesClient client = Clients.fromKubeconfig(kubeconfig)) {
      Scheduler scheduler = new Scheduler(vertx, client, cfg, registry);
      HealthServer health = new HealthServer(vertx, registry, () -> true);
      int actual = health.start(bindAddress, port).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      scheduler.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      LOG.info("Scheduler running scheduler={} leaderElect={} healthPort={}", cfg.schedulerName(),
          cfg.leaderElect(), actual);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      scheduler.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      health.stop();
      return 0;
    } catch (Exception e) {
      LOG.error("Scheduler failed err=\"{}\"", e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }
}
