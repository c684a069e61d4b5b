package io.jk.controllers.nodeipam;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every Node a {@code spec.podCIDR} (and {@code podCIDRs}) from {@code --cluster-cidr}
 * ({@code pkg/controller/nodeipam}, range allocator). Blocks already on nodes are occupied before
 * any is handed out, a block is never given twice, and a deleted node's block is released.
 */
public final class NodeIpamController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(NodeIpamController.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<Node> nodes;
  private final CidrAllocator allocator;
  private final Map<String, Cidr> assigned = new HashMap<>();
  private final Controller controller;
  private boolean initialized;

  /** A controller handing out {@code /maskSize} blocks of {@code clusterCidr}. */
  public NodeIpamController(KubernetesClient client, SharedIndexInformer<Node> nodes, String clusterCidr, int maskSize, MeterRegistry registry) {
    this.client = client;
    this.nodes = nodes;
    this.allocator = new CidrAllocator(Cidr.parse(clusterCidr), maskSize);
    // One worker: allocation is serialized anyway.
    this.controller = Controller.builder("nodeipam", this, registry).workers(1).watch(nodes).build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public synchronized Result reconcile(String key) {
    if (!initialized) {
      for (Node n : nodes.getStore().list()) {
        occupyExisting(n);
      }
      initialized = true;
    }
    Node node = nodes.getStore().getByKey(key);
    if (node == null) {
      Cidr freed = assigned.remove(key);
      if (freed != null) {
        allocator.release(freed);
        LOG.info("Released podCIDR node={} podCIDR={}", key, freed);
        // Nodes waiting on an exhausted range need not wait out their back-off.
        for (Node waiting : nodes.getStore().list()) {
          if (waiting.getSpec() == null || waiting.getSpec().getPodCIDR() == null || waiting.getSpec().getPodCIDR().isEmpty()) {
            controller.enqueue(Controller.keyOf(waiting));
          }
        }
      }
      return Result.done();
    }
    if (occupyExisting(node)) {
      return Result.done();
    }
    Optional<Cidr> block = allocator.allocate();
    if (block.isEmpty()) {
      throw new IllegalStateException("cluster CIDR exhausted: no podCIDR for node " + key);
    }
    Node copy = new NodeBuilder(node).editOrNewSpec().withPodCIDR(block.get().toString()).withPodCIDRs(List.of(block.get().toString())).endSpec().build();
    try {
      client.nodes().resource(copy).update();
    } catch (KubernetesClientException e) {
      allocator.release(block.get());
      if (e.getCode() == 404) {
        return Result.done();
      }
      throw e;
    }
    assigned.put(key, block.get());
    LOG.info("Assigned podCIDR node={} podCIDR={}", key, block.get());
    return Result.done();
  }

  /** Records a node's existing podCIDR; true if it has one. */
  private boolean occupyExisting(Node n) {
    String cidr = n.getSpec() == null ? null : n.getSpec().getPodCIDR();
    if (cidr == null || cidr.isEmpty()) {
      return false;
    }
    String name = n.getMetadata().getName();
    if (assigned.containsKey(name)) {
      return true;
    }
    try {
      Cidr c = Cidr.parse(cidr);
      if (allocator.occupy(c)) {
        assigned.put(name, c);
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("Node has an unusable podCIDR node={} podCIDR={} err=\"{}\"", name, cidr, e.getMessage());
    }
    return true;
  }
}
