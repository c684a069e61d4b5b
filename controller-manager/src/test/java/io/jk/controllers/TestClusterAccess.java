package io.jk.controllers;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.function.UnaryOperator;

/** Public access to {@link TestCluster} for tests in the controllers' packages. */
public final class TestClusterAccess implements AutoCloseable {

  /** Pods with this annotation are left Pending by the stand-in kubelet. */
  public static final String NEVER_READY = TestCluster.NEVER_READY;

  private final TestCluster cluster;

  private TestClusterAccess(TestCluster cluster) {
    this.cluster = cluster;
  }

  /** A cluster running {@code controllers}. */
  public static TestClusterAccess start(List<String> controllers) {
    return new TestClusterAccess(new TestCluster(controllers));
  }

  /** A cluster running {@code controllers} with customized options. */
  public static TestClusterAccess start(List<String> controllers, UnaryOperator<ControllerManagerOptions> customize) {
    return new TestClusterAccess(new TestCluster(controllers, customize));
  }

  /** A client for the cluster. */
  public KubernetesClient client() {
    return cluster.client;
  }

  /** The API server fixture. */
  public io.jk.testing.TestApiServer api() {
    return cluster.api;
  }

  /** The controller-manager. */
  public ControllerManager manager() {
    return cluster.manager;
  }

  /** Whether the stand-in kubelet marks new pods Running and Ready. */
  public void markReady(boolean on) {
    cluster.markReady = on;
  }

  /** Sets a pod's Ready condition as a kubelet's probe would. */
  public void setReady(io.fabric8.kubernetes.api.model.Pod pod, boolean ready) {
    cluster.setReady(pod, ready);
  }

  /** Marks a pod Running and Ready (with an IP) as the stand-in kubelet does. */
  public void markRunningReady(io.fabric8.kubernetes.api.model.Pod pod) {
    cluster.markReady(pod);
  }

  /** Runs the real kubectl against the cluster; returns exit code and output. */
  public Kubectl.Result kubectl(java.nio.file.Path cacheDir, String... args) {
    return Kubectl.run(cluster.api.kubeconfig(), cacheDir, args);
  }

  /** How many {@code verb} requests on {@code resource} the API server has answered (its request counter). */
  public long apiRequests(String verb, String resource) {
    return cluster.client.raw(cluster.api.url() + "/metrics").lines()
        .filter(l -> l.startsWith("apiserver_request_total{") && l.contains("resource=\"" + resource + "\"")
            && l.contains("verb=\"" + verb + "\""))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** How many syncs the controller {@code name} has run (its work queue's processed items). */
  public long syncs(String name) {
    var timer = cluster.manager.registry().find("workqueue.work.duration").tag("name", name).timer();
    return timer == null ? 0 : timer.count();
  }

  @Override
  public void close() {
    cluster.close();
  }
}
