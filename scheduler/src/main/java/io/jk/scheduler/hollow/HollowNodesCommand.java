package io.jk.scheduler.hollow;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.jk.common.client.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jk hollow-nodes}: registers simulated nodes and keeps them alive until interrupted. */
@Command(name = "hollow-nodes", mixinStandardHelpOptions = true,
    description = "Simulated nodes (like kwok): Ready Nodes with Leases that run pods without containers.")
public final class HollowNodesCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(HollowNodesCommand.class);

  @Option(names = "--kubeconfig", required = true, description = "Kubeconfig of the API server.")
  Path kubeconfig;

  @Option(names = "--count", required = true, description = "How many nodes.")
  int count;

  @Option(names = "--cpu", defaultValue = "4", description = "CPU per node.")
  String cpu;

  @Option(names = "--memory", defaultValue = "16Gi", description = "Memory per node.")
  String memory;

  @Option(names = "--pods", defaultValue = "110", description = "Pods per node.")
  String pods;

  @Option(names = "--zones", defaultValue = "3", description = "Spread nodes over this many zones.")
  int zones;

  @Option(names = "--name-prefix", defaultValue = "hollow-node", description = "Node name prefix.")
  String prefix;

  @Option(names = "--lease-renew-interval", defaultValue = "10", description = "Seconds between Lease renewals.")
  int renewSeconds;

  @Option(names = "--label", description = "Extra node label k=v (repeatable).")
  Map<String, String> labels = new HashMap<>();

  @Option(names = "--keep-nodes", description = "Leave the Nodes registered on exit.")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    if (count < 0 || zones < 0 || renewSeconds < 1) {
      System.err.println("--count and --zones must not be negative, --lease-renew-interval at least 1");
      return 2;
    }
    HollowNodeSpec spec = HollowNodeSpec.defaults().withNamePrefix(prefix)
        .withCapacity(cpu, memory, pods).withZones(zones).withLabels(labels)
        .withLeaseRenewInterval(Duration.ofSeconds(renewSeconds)).withDeleteOnClose(!keep);
    try (KubernetesClient client = Clients.fromKubeconfig(kubeconfig);
        HollowNodes nodes = HollowNodes.start(client, count, spec)) {
      LOG.info("Hollow nodes running count={} prefix={}", nodes.nodeNames().size(), prefix);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
      return 0;
    } catch (RuntimeException e) {
      LOG.error("Hollow nodes failed err=\"{}\"", e.getMessage());
      return 1;
    }
  }
}
