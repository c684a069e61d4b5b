package io.jk.deploy.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.controllers.ControllerManager;
import io.jk.controllers.ControllerManagerOptions;
import io.jk.deploy.Component;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** The controller-manager as a {@link Component}; it terminates when it loses its Lease. */
final class ControllerManagerComponent implements Component {

  private final ControllerManager manager;
  private boolean started;

  ControllerManagerComponent(Vertx vertx, KubernetesClient client, ControllerManagerOptions options) {
    this.manager = new ControllerManager(vertx, client, options);
  }

  @Override
  public String name() {
    return "controller-manager";
  }

  @Override
  public Future<Void> start() {
    return manager.start().onSuccess(v -> started = true);
  }

  @Override
  public Future<Void> stop() {
    return started ? manager.stop() : Future.succeededFuture();
  }

  @Override
  public Future<Void> terminated() {
    return manager.terminated();
  }
}
