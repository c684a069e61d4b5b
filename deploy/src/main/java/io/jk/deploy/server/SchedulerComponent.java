package io.jk.deploy.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.deploy.Component;
import io.jk.scheduler.Scheduler;
import io.jk.scheduler.SchedulerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** The scheduler as a {@link Component}, on the launcher's client and metrics registry. */
final class SchedulerComponent implements Component {

  private final Scheduler scheduler;
  private final Promise<Void> terminated = Promise.promise();
  private boolean started;

  SchedulerComponent(Vertx vertx, KubernetesClient client, SchedulerConfig config, MeterRegistry registry) {
    this.scheduler = new Scheduler(vertx, client, config, registry);
  }

  @Override
  public String name() {
    return "scheduler";
  }

  @Override
  public Future<Void> start() {
    return scheduler.start().onSuccess(v -> started = true);
  }

  @Override
  public Future<Void> stop() {
    return started ? scheduler.stop() : Future.succeededFuture();
  }

  @Override
  public Future<Void> terminated() {
    return terminated.future();
  }
}
