package io.jk.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.testing.TestApiServer;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * An in-process API server, a controller-manager on it, and a stand-in kubelet that marks every
 * new pod Running and Ready through the status subresource (pods stay unscheduled, so deleting
 * them is immediate).
 */
final class TestCluster implements AutoCloseable {

  final TestApiServer api;
  final KubernetesClient client;
  final Vertx vertx = Vertx.vertx();
  final ControllerManager manager;
  private final KubernetesClient kubeletClient;
  private final SharedIndexInformer<Pod> kubelet;
  private final ExecutorService writers = Executors.newFixedThreadPool(4);
  volatile boolean markReady = true;
  /** Pods with this annotation are left Pending by the stand-in kubelet. */
  static final String NEVER_READY = "test.jk.io/never-ready";

  TestCluster(List<String> controllers) {
    this(controllers, o -> o);
  }

  TestCluster(List<String> controllers, UnaryOperator<ControllerManagerOptions> customize) {
    api = TestApiServer.start();
    client = api.client();
    ControllerManagerOptions d = ControllerManagerOptions.defaults();
    ControllerManagerOptions opts = customize.apply(new ControllerManagerOptions(controllers, Map.of(), 2, d.nodeMonitorGracePeriod(),
        d.podEvictionTimeout(), d.clusterCidr(), d.nodeCidrMaskSize(), false, d.leaseNamespace(), d.leaseName(), "127.0.0.1", 0, d.leaderTimings()));
    manager = new ControllerManager(vertx, api.client(), opts);
    await(manager.start());
    kubeletClient = api.client();
    kubelet = kubeletClient.pods().inAnyNamespace().inform(new ResourceEventHandler<Pod>() {
      @Override
      public void onAdd(Pod pod) {
        maybeMarkReady(pod);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        maybeMarkReady(newPod);
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {}
    });
  }

  private void maybeMarkReady(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null && pod.getSpec().getNodeName() != null) {
      // A kubelet confirms the termination of a bound pod.
      writers.submit(() -> kubeletClient.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete());
      return;
    }
    if (!markReady || pod.getMetadata().getDeletionTimestamp() != null
        || (pod.getMetadata().getAnnotations() != null && pod.getMetadata().getAnnotations().containsKey(NEVER_READY))
        || (pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase()))) {
      return;
    }
    writers.submit(() -> markReady(pod));
  }

  /** Sets the pod Running with Ready=True now. */
  void markReady(Pod pod) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Pod copy = new PodBuilder(pod).editOrNewStatus()
        .withPhase("Running")
        .withPodIP(pod.getStatus() != null && pod.getStatus().getPodIP() != null ? pod.getStatus().getPodIP() : nextIp())
        .withConditions()
        .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(now).endCondition()
        .endStatus().build();
    try {
      kubeletClient.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        Pod fresh = kubeletClient.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
        if (fresh != null) {
          maybeMarkReady(fresh);
        }
      }
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger ips = new java.util.concurrent.atomic.AtomicInteger(1);

  private String nextIp() {
    int n = ips.getAndIncrement();
    return "10.244." + (n / 250) + "." + (n % 250 + 1);
  }

  /** Sets the pod's Ready condition to {@code ready} (keeping it Running). */
  void setReady(Pod pod, boolean ready) {
    Pod copy = new PodBuilder(pod).editOrNewStatus().withConditions()
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).endCondition()
        .endStatus().build();
    kubeletClient.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).updateStatus();
  }

  static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    kubelet.stop();
    writers.shutdownNow();
    await(manager.stop());
    vertx.close();
    api.close();
  }
}
