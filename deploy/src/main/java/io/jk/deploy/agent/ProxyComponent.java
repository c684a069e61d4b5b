package io.jk.deploy.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.jk.deploy.Component;
import io.jk.proxy.Proxy;
import io.jk.proxy.ProxyOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy as a {@link Component} of a node (Services' nftables rules, routes to other nodes'
 * pod networks), on the node's own credential. As {@code jk proxy} does, a first sync that fails
 * is logged and retried by the proxy rather than failing the node.
 */
public final class ProxyComponent implements Component {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyComponent.class);

  private final Vertx vertx;
  private final Path kubeconfig;
  private final String nodeName;
  private final String clusterCidr;
  private final Promise<Void> terminated = Promise.promise();
  private volatile Proxy proxy;
  private volatile KubernetesClient client;

  public ProxyComponent(Vertx vertx, Path kubeconfig, String nodeName, String clusterCidr) {
    this.vertx = vertx;
    this.kubeconfig = kubeconfig;
    this.nodeName = nodeName;
    this.clusterCidr = clusterCidr;
  }

  @Override
  public String name() {
    return "proxy";
  }

  @Override
  public Future<Void> start() {
    return vertx.<Proxy>executeBlocking(() -> {
      client = Clients.fromKubeconfig(kubeconfig);
      Proxy p = new Proxy(vertx, client, new ProxyOptions(nodeName, clusterCidr, Duration.ofSeconds(1), null),
          new SimpleMeterRegistry());
      proxy = p;
      return p;
    }, false).compose(p -> p.start().recover(e -> {
      LOG.warn("Proxy started without a good first sync, retrying err=\"{}\"", e.getMessage());
      return Future.succeededFuture();
    }));
  }

  @Override
  public Future<Void> stop() {
    Future<Void> stopped = proxy == null ? Future.succeededFuture() : proxy.stop();
    return stopped.eventually(() -> {
      if (client != null) {
        client.close();
      }
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> terminated() {
    return terminated.future();
  }
}
