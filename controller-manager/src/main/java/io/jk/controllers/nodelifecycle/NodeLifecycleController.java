package io.jk.controllers.nodelifecycle;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.common.workqueue.TokenBucketRateLimiter;
import io.jk.controllers.ControllerManagerOptions;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches node heartbeats and evicts pods from lost nodes ({@code pkg/controller/nodelifecycle}).
 *
 * <ul>
 *   <li>A node's heartbeat is its Lease in {@code kube-node-lease} (or the Ready condition's
 *       heartbeat). The time is taken when this controller <em>observes</em> a change, so clock
 *       skew between machines does not matter. A heartbeat older than
 *       {@code --node-monitor-grace-period} sets every node condition to Unknown
 *       ({@code NodeStatusUnknown}) and adds the {@code node.kubernetes.io/unreachable:NoExecute}
 *       taint; a kubelet reporting Ready=False gets {@code node.kubernetes.io/not-ready:NoExecute}.
 *       The taints go when the node is Ready again.
 *   <li>Adding taints is rate-limited per zone (a token bucket at the rate {@link Zones} gives:
 *       {@code --node-eviction-rate} 0.1 nodes/s by default; in a partially disrupted zone the
 *       secondary rate for large clusters, none for small ones), so a partition of half the
 *       cluster does not evict everything at once; when every zone has lost all its nodes the
 *       controller taints nothing and lifts its taints, as Kubernetes does.
 *   <li>The NoSchedule taints of the node's conditions ({@link ConditionTaints}: not-ready,
 *       unreachable, pressure, unschedulable) follow the conditions at once, not rate-limited, so
 *       no new pod is placed on a lost node while its pods wait for eviction.
 *   <li>Pods on a NoExecute-tainted node that do not tolerate the taint are deleted at once; those
 *       tolerating it for {@code tolerationSeconds} are deleted when that time has passed since
 *       the taint was added. Their controllers create replacements.
 * </ul>
 */
public final class NodeLifecycleController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycleController.class);
  static final String LEASE_NAMESPACE = "kube-node-lease";
  static final String NODE_NAME_INDEX = "spec.nodeName";

  private final KubernetesClient client;
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<Lease> leases;
  private final SharedIndexInformer<Pod> pods;
  private final Duration grace;
  private final ControllerManagerOptions.Eviction eviction;
  /** Per zone: the rate its limiter was made for, and the limiter. */
  private final Map<String, Map.Entry<Double, TokenBucketRateLimiter<String>>> zoneLimiters = new ConcurrentHashMap<>();
  private final Map<String, Observed> observed = new ConcurrentHashMap<>();
  private final Controller controller;

  private record Observed(String heartbeat, Instant seenAt) {}

  /**
   * A controller marking nodes lost after {@code grace}, tainting at most {@code taintQps} nodes
   * a second.
   */
  public NodeLifecycleController(KubernetesClient client, SharedIndexInformer<Node> nodes, SharedIndexInformer<Lease> leases,
      SharedIndexInformer<Pod> pods, Duration grace, double taintQps, MeterRegistry registry, int workers) {
    this(client, nodes, leases, pods, grace, new ControllerManagerOptions.Eviction(taintQps, 0.01, 0.55, 50, Duration.ofSeconds(10)),
        registry, workers);
  }

  /** A controller marking nodes lost after {@code grace}, tainting them at the rates {@code eviction} sets. */
  public NodeLifecycleController(KubernetesClient client, SharedIndexInformer<Node> nodes, SharedIndexInformer<Lease> leases,
      SharedIndexInformer<Pod> pods, Duration grace, ControllerManagerOptions.Eviction eviction, MeterRegistry registry, int workers) {
    this.client = client;
    this.nodes = nodes;
    this.leases = leases;
    this.pods = pods;
    this.grace = grace;
    this.eviction = eviction;
    if (!pods.getIndexer().getIndexers().containsKey(NODE_NAME_INDEX)) {
      pods.addIndexers(Map.of(NODE_NAME_INDEX, p -> p.getSpec() == null || p.getSpec().getNodeName() == null
          ? List.of() : List.of(p.getSpec().getNodeName())));
    }
    this.controller = Controller.builder("nodelifecycle", this, registry).workers(workers)
        .watch(nodes)
        .watch(leases, l -> LEASE_NAMESPACE.equals(l.getMetadata().getNamespace()) ? List.of(l.getMetadata().getName()) : List.of())
        .watch(pods, p -> p.getSpec() == null || p.getSpec().getNodeName() == null ? List.of() : List.of(p.getSpec().getNodeName()))
        .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public Result reconcile(String name) {
    Node node = nodes.getStore().getByKey(name);
    if (node == null) {
      observed.remove(name);
      return Result.done();
    }
    Instant now = Instant.now();
    String heartbeat = heartbeat(node);
    Observed o = observed.compute(name, (k, prev) -> prev == null || !prev.heartbeat().equals(heartbeat) ? new Observed(heartbeat, now) : prev);
    boolean stale = Duration.between(o.seenAt(), now).compareTo(grace) > 0;
    NodeCondition ready = condition(node, "Ready");
    if (stale && (ready == null || !"Unknown".equals(ready.getStatus()))) {
      markUnknown(node, now);
      return Result.requeueAfter(Duration.ofMillis(200));
    }
    List<Taint> noSchedule = ConditionTaints.reconcile(node, Pods.formatTime(now));
    if (noSchedule != null) {
      updateTaints(node, noSchedule, "NoSchedule");
      return Result.requeueAfter(Duration.ofMillis(50)); // the NoExecute pass works on the updated node
    }
    Map<String, Integer[]> zones = zoneCounts();
    boolean allFullyDisrupted = zones.values().stream()
        .allMatch(c -> Zones.state(c[0], c[1], eviction.unhealthyZoneThreshold()) == Zones.State.FULL_DISRUPTION);
    // Every zone lost: most likely this controller is the one cut off, so it evicts nothing.
    String wanted = allFullyDisrupted ? null : stale ? Taints.UNREACHABLE
        : ready != null && "False".equals(ready.getStatus()) ? Taints.NOT_READY : null;
    List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    boolean hasWanted = wanted != null && taints.stream().anyMatch(t -> wanted.equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
    boolean hasOther = taints.stream().anyMatch(t -> "NoExecute".equals(t.getEffect())
        && (Taints.UNREACHABLE.equals(t.getKey()) || Taints.NOT_READY.equals(t.getKey())) && !t.getKey().equals(wanted));
    if (hasOther || (wanted != null && !hasWanted)) {
      if (wanted != null && !hasWanted) {
        String zone = Zones.zoneOf(node);
        Integer[] c = zones.getOrDefault(zone, new Integer[] {0, 0});
        double rate = Zones.rate(Zones.state(c[0], c[1], eviction.unhealthyZoneThreshold()), c[0] + c[1], false, eviction);
        if (rate <= 0) {
          return Result.requeueAfter(Duration.ofSeconds(1)); // tainting stopped in this zone; look again
        }
        Duration wait = limiterFor(zone, rate).when(name);
        if (!wait.isZero()) {
          return Result.requeueAfter(wait);
        }
      }
      setTaint(node, wanted, now);
      return Result.done();
    }
    Result next = evictPods(node, taints, now);
    // Look again when the heartbeat would go stale.
    Duration untilStale = grace.minus(Duration.between(o.seenAt(), now)).plusMillis(100);
    if (!stale) {
      next = next.min(Result.requeueAfter(untilStale.isNegative() ? Duration.ofMillis(100) : untilStale));
    }
    return next;
  }

  /** The taint limiter of {@code zone}, made anew when the zone's rate changes. */
  private TokenBucketRateLimiter<String> limiterFor(String zone, double rate) {
    return zoneLimiters.compute(zone, (z, cur) -> cur != null && cur.getKey() == rate ? cur
        : Map.entry(rate, new TokenBucketRateLimiter<>(rate, 1))).getValue();
  }

  /** Per zone: {Ready nodes, other nodes}. */
  private Map<String, Integer[]> zoneCounts() {
    Map<String, Integer[]> out = new java.util.HashMap<>();
    for (Node n : nodes.getStore().list()) {
      NodeCondition c = condition(n, "Ready");
      boolean isReady = c != null && "True".equals(c.getStatus());
      Integer[] counts = out.computeIfAbsent(Zones.zoneOf(n), z -> new Integer[] {0, 0});
      counts[isReady ? 0 : 1]++;
    }
    return out;
  }

  private String heartbeat(Node node) {
    Lease lease = leases.getStore().getByKey(LEASE_NAMESPACE + "/" + node.getMetadata().getName());
    String leaseTime = lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null ? "" : lease.getSpec().getRenewTime().toString();
    NodeCondition ready = condition(node, "Ready");
    String statusTime = ready == null || ready.getLastHeartbeatTime() == null ? "" : ready.getLastHeartbeatTime();
    return leaseTime + "|" + statusTime;
  }

  private static NodeCondition condition(Node n, String type) {
    if (n.getStatus() == null || n.getStatus().getConditions() == null) {
      return null;
    }
    return n.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private void markUnknown(Node node, Instant now) {
    String ts = Pods.formatTime(now);
    List<NodeCondition> conds = new ArrayList<>();
    List<NodeCondition> current = node.getStatus() == null || node.getStatus().getConditions() == null ? List.of() : node.getStatus().getConditions();
    boolean sawReady = false;
    for (NodeCondition c : current) {
      sawReady |= "Ready".equals(c.getType());
      conds.add(new NodeConditionBuilder(c).withStatus("Unknown").withReason("NodeStatusUnknown")
          .withMessage("Kubelet stopped posting node status.").withLastTransitionTime(ts).build());
    }
    if (!sawReady) {
      conds.add(new NodeConditionBuilder().withType("Ready").withStatus("Unknown").withReason("NodeStatusNeverUpdated")
          .withMessage("Kubelet never posted node status.").withLastTransitionTime(ts).build());
    }
    Node copy = new NodeBuilder(node).editOrNewStatus().withConditions(conds).endStatus().build();
    try {
      client.nodes().resource(copy).updateStatus();
      LOG.warn("Node heartbeat lost node={} grace={}", node.getMetadata().getName(), grace);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void setTaint(Node node, String wanted, Instant now) {
    List<Taint> taints = new ArrayList<>();
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      for (Taint t : node.getSpec().getTaints()) {
        boolean ours = "NoExecute".equals(t.getEffect()) && (Taints.UNREACHABLE.equals(t.getKey()) || Taints.NOT_READY.equals(t.getKey()));
        if (!ours || t.getKey().equals(wanted)) {
          taints.add(t);
        }
      }
    }
    if (wanted != null && taints.stream().noneMatch(t -> wanted.equals(t.getKey()) && "NoExecute".equals(t.getEffect()))) {
      taints.add(new TaintBuilder().withKey(wanted).withEffect("NoExecute").withTimeAdded(Pods.formatTime(now)).build());
    }
    updateTaints(node, taints, wanted == null ? "none" : wanted + ":NoExecute");
  }

  /** Writes {@code taints} as the node's (an update: a conflict retries the reconcile on the newer node). */
  private void updateTaints(Node node, List<Taint> taints, String what) {
    Node copy = new NodeBuilder(node).editOrNewSpec().withTaints(taints).endSpec().build();
    try {
      client.nodes().resource(copy).update();
      LOG.info("Node taints changed node={} taint={}", node.getMetadata().getName(), what);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private Result evictPods(Node node, List<Taint> taints, Instant now) {
    List<Taint> noExecute = taints.stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
    if (noExecute.isEmpty()) {
      return Result.done();
    }
    Result next = Result.done();
    for (Pod pod : pods.getIndexer().byIndex(NODE_NAME_INDEX, node.getMetadata().getName())) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      Instant evictAt = null;
      boolean forever = true;
      for (Taint t : noExecute) {
        long secs = Taints.tolerationSeconds(pod.getSpec().getTolerations(), t);
        if (secs < 0) {
          continue;
        }
        forever = false;
        Instant added = Pods.parseTime(t.getTimeAdded());
        Instant at = (added == null ? now : added).plusSeconds(secs);
        evictAt = evictAt == null || at.isBefore(evictAt) ? at : evictAt;
      }
      if (forever) {
        continue;
      }
      if (!now.isBefore(evictAt)) {
        try {
          client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
          LOG.info("Evicted pod={}/{} node={} reason=NoExecuteTaint", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
              node.getMetadata().getName());
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      } else {
        next = next.min(Result.requeueAfter(Duration.between(now, evictAt).plusMillis(50)));
      }
    }
    return next;
  }
}
