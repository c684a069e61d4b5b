package io.jk.controllers;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.jk.controllers.endpointslice.EndpointSliceController;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.controller.Controller;
import io.jk.common.leader.LeaderElection;
import io.jk.controllers.deployment.DeploymentController;
import io.jk.controllers.garbagecollector.GarbageCollector;
import io.jk.controllers.daemonset.DaemonSetController;
import io.jk.controllers.job.JobController;
import io.jk.controllers.statefulset.StatefulSetController;
import io.jk.controllers.namespace.NamespaceController;
import io.jk.controllers.nodelifecycle.NodeLifecycleController;
import io.jk.controllers.nodeipam.NodeIpamController;
import io.jk.controllers.podautoscaler.HorizontalPodAutoscalerController;
import io.jk.controllers.podautoscaler.MetricsApiSource;
import io.jk.controllers.replicaset.ReplicaSetController;
import io.jk.controllers.serviceaccount.RootCaPublisher;
import io.jk.controllers.serviceaccount.ServiceAccountsController;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller-manager component: builds the enabled controllers over shared informers, starts
 * them (after winning the leader election when {@code --leader-elect}), and serves
 * {@code /healthz} and {@code /metrics} (Prometheus text, with the {@code workqueue_*} family
 * per controller).
 *
 * <p>Lifecycle: {@link #start()} completes once the HTTP server listens (controllers start in the
 * background when informers have synced); {@link #stop()} stops controllers, informers and the
 * server. Losing leadership stops the controllers and fails {@link #terminated()}, so the
 * process can exit as kube-controller-manager does.
 */
public final class ControllerManager {

  private static final Logger LOG = LoggerFactory.getLogger(ControllerManager.class);

  private final KubernetesClient client;
  private final ControllerManagerOptions options;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Informers informers;
  private final List<Controller> controllers = new ArrayList<>();
  private final List<Runnable> stoppers = new ArrayList<>();
  private final Promise<Void> terminated = Promise.promise();
  private LeaderElection election;
  private HttpServer http;
  private volatile boolean running;

  /** A manager using {@code client} (owned by the caller) with {@code options}. */
  public ControllerManager(Vertx vertx, KubernetesClient client, ControllerManagerOptions options) {
    List<String> errors = options.validate();
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.informers = new Informers(client);
  }

  /** The metrics registry (Prometheus). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The port /healthz and /metrics listen on (after start). */
  public int port() {
    return http == null ? -1 : http.actualPort();
  }

  /** Whether the controllers run now (leader, informers synced). */
  public boolean isRunning() {
    return running;
  }

  /** Fails when leadership is lost; never completes otherwise. */
  public Future<Void> terminated() {
    return terminated.future();
  }

  /** Starts the HTTP server, then (after the election when enabled) the controllers. */
  public Future<Void> start() {
    return vertx
        .createHttpServer()
        .requestHandler(req -> {
          switch (req.path()) {
            case "/healthz", "/livez", "/readyz" -> req.response().putHeader("content-type", "text/plain").end("ok");
            case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4").end(registry.scrape());
            default -> req.response().setStatusCode(404).end("not found");
          }
        })
        .listen(options.port(), options.bindAddress())
        .map(server -> {
          http = server;
          LOG.info("Controller-manager serving health and metrics address={} port={}", options.bindAddress(), server.actualPort());
          if (options.leaderElect()) {
            election = new LeaderElection(client, options.leaseNamespace(), options.leaseName(), identity(), options.leaderTimings());
            election.start(
                () -> vertx.executeBlocking(() -> {
                  startControllers();
                  return null;
                }),
                () -> {
                  stopControllers();
                  terminated.tryFail("leader election lost");
                });
          } else {
            startControllers();
          }
          return null;
        });
  }

  /** Stops everything. */
  public Future<Void> stop() {
    return vertx
        .executeBlocking(() -> {
          if (election != null) {
            election.stop();
          }
          stopControllers();
          return null;
        })
        .compose(v -> http == null ? Future.<Void>succeededFuture() : http.close());
  }

  private synchronized void startControllers() {
    if (running) {
      return;
    }
    if (options.enabled("replicaset")) {
      ReplicaSetController c = new ReplicaSetController(client, informers.of(ReplicaSet.class), informers.of(Pod.class), registry, options.syncs("replicaset"));
      controllers.add(c.controller());
      stoppers.add(c::stop);
    }
    if (options.enabled("deployment")) {
      DeploymentController c = new DeploymentController(client, informers.of(Deployment.class), informers.of(ReplicaSet.class), registry, options.syncs("deployment"));
      controllers.add(c.controller());
    }
    if (options.enabled("garbagecollector")) {
      GarbageCollector c = new GarbageCollector(client, informers, GarbageCollector.defaultKinds(), registry, options.syncs("garbagecollector"));
      controllers.add(c.controller());
    }
    if (options.enabled("namespace")) {
      NamespaceController c = new NamespaceController(client, informers.of(Namespace.class), registry, options.syncs("namespace"));
      controllers.add(c.controller());
    }
    if (options.enabled("endpointslice")) {
      EndpointSliceController c = new EndpointSliceController(client, informers.of(Service.class), informers.of(Pod.class),
          informers.of(EndpointSlice.class), registry, options.syncs("endpointslice"));
      controllers.add(c.controller());
    }
    if (options.enabled("nodelifecycle")) {
      NodeLifecycleController c = new NodeLifecycleController(client, informers.of(Node.class),
          informers.of(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class), informers.of(Pod.class),
          options.nodeMonitorGracePeriod(), options.eviction(), registry, options.syncs("nodelifecycle"));
      controllers.add(c.controller());
    }
    if (options.enabled("job")) {
      JobController c = new JobController(client, informers.of(io.fabric8.kubernetes.api.model.batch.v1.Job.class), informers.of(Pod.class),
          registry, options.syncs("job"), options.eviction().jobPodFailureBackoff());
      controllers.add(c.controller());
    }
    if (options.enabled("daemonset")) {
      DaemonSetController c = new DaemonSetController(client, informers.of(io.fabric8.kubernetes.api.model.apps.DaemonSet.class),
          informers.of(Node.class), informers.of(Pod.class), informers.of(io.fabric8.kubernetes.api.model.apps.ControllerRevision.class),
          registry, options.syncs("daemonset"));
      controllers.add(c.controller());
    }
    if (options.enabled("statefulset")) {
      StatefulSetController c = new StatefulSetController(client, informers.of(io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
          informers.of(Pod.class), informers.of(io.fabric8.kubernetes.api.model.apps.ControllerRevision.class), registry,
          options.syncs("statefulset"));
      controllers.add(c.controller());
    }
    if (options.enabled("horizontalpodautoscaling")) {
      HorizontalPodAutoscalerController c = new HorizontalPodAutoscalerController(client,
          informers.of(io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
          new MetricsApiSource(client), HorizontalPodAutoscalerController.DEFAULT_SYNC_PERIOD,
          HorizontalPodAutoscalerController.DEFAULT_DOWNSCALE_STABILIZATION, java.time.Clock.systemUTC(), registry,
          options.syncs("horizontalpodautoscaling"));
      controllers.add(c.controller());
    }
    if (options.enabled("nodeipam") && options.clusterCidr() != null) {
      NodeIpamController c = new NodeIpamController(client, informers.of(Node.class), options.clusterCidr(), options.nodeCidrMaskSize(), registry);
      controllers.add(c.controller());
    }
    if (options.enabled("serviceaccount")) {
      ServiceAccountsController c = new ServiceAccountsController(client, informers.of(Namespace.class),
          informers.of(io.fabric8.kubernetes.api.model.ServiceAccount.class), registry, options.syncs("serviceaccount"));
      controllers.add(c.controller());
    }
    if (options.enabled("root-ca-cert-publisher")) {
      String ca = RootCaPublisher.caOf(client);
      if (ca == null) {
        LOG.info("No API server CA in the client configuration: kube-root-ca.crt is not published");
      } else {
        RootCaPublisher c = new RootCaPublisher(client, informers.of(Namespace.class),
            informers.of(io.fabric8.kubernetes.api.model.ConfigMap.class), ca, registry, options.syncs("root-ca-cert-publisher"));
        controllers.add(c.controller());
      }
    }
    informers.startAll();
    controllers.forEach(Controller::start);
    running = true;
    LOG.info("Controllers started controllers={}", controllers.stream().map(Controller::name).toList());
  }

  private synchronized void stopControllers() {
    if (!running) {
      return;
    }
    running = false;
    controllers.forEach(Controller::stop);
    stoppers.forEach(Runnable::run);
    informers.stopAll();
    controllers.clear();
    stoppers.clear();
  }

  private static String identity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "localhost";
    }
    return host + "_" + UUID.randomUUID();
  }
}
