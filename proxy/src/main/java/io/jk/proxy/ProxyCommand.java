package io.jk.proxy;

import io.jk.common.config.Durations;

import io.jk.common.health.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jk proxy}: programs Service rules and node routes until interrupted, or removes them. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
    description = "Makes Services reachable on this node (nftables table ip jk-proxy) and routes "
        + "other nodes' pod CIDRs (host-gw).")
public final class ProxyCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyCommand.class);

  @Option(names = "--kubeconfig", description = "Kubeconfig of the API server (required unless --cleanup).")
  Path kubeconfig;

  @Option(names = "--hostname-override", description = "This node's name (default: the host name).")
  String hostname;

  @Option(names = "--cluster-cidr", description = "The pod network, e.g. 10.244.0.0/16: traffic from "
      + "outside it to a ClusterIP, and pod traffic leaving it, is masqueraded.")
  String clusterCidr;

  @Option(names = "--min-sync-period", defaultValue = "1s",
      description = "Least time between syncs; changes inside it are batched (e.g. 1s, 250ms).")
  String minSyncPeriod;

  @Option(names = "--cleanup", description = "Remove the proxy's nftables table and exit.")
  boolean cleanup;

  @Option(names = "--netns", description = "Program this named network namespace instead of the proxy's own.")
  String netns;

  @Option(names = "--bind-address", defaultValue = "127.0.0.1", description = "Address of /healthz and /metrics.")
  String bindAddress;

  @Option(names = "--port", defaultValue = "10256", description = "Port of /healthz and /metrics (0: any free port).")
  int port;

  @Override
  public Integer call() throws Exception {
    HostCommands host = new HostCommands(netns);
    if (cleanup) {
      try {
        Proxy.cleanup(host);
        return 0;
      } catch (Exception e) {
        LOG.error("Proxy cleanup failed err=\"{}\"", e.getMessage());
        return 1;
      }
    }
    if (kubeconfig == null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--kubeconfig is required");
    }
    String node = hostname != null ? hostname : java.net.InetAddress.getLocalHost().getHostName();
    ProxyOptions options = new ProxyOptions(node, clusterCidr, Durations.parse(minSyncPeriod), netns);
    Vertx vertx = Vertx.vertx();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (KubernetesClient client = Clients.fromKubeconfig(kubeconfig)) {
      Proxy proxy = new Proxy(vertx, client, options, registry);
      HealthServer health = new HealthServer(vertx, registry, proxy::healthy);
      int actual = health.start(bindAddress, port).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      try {
        proxy.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Proxy started without a good first sync, retrying err=\"{}\"", e.getMessage());
      }
      LOG.info("Proxy running node={} clusterCidr={} healthPort={}", node, clusterCidr, actual);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      proxy.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      health.stop();
      return 0;
    } catch (Exception e) {
      LOG.error("Proxy failed err=\"{}\"", e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
  }

  /** Runs {@code jk proxy} on its own. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ProxyCommand()).execute(args));
  }
}
