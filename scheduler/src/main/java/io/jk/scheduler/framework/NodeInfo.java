package io.jk.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.jk.common.resources.NodeAllocatable;
import io.jk.common.resources.Resources;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A node and the pods the scheduler accounts to it (bound and assumed), with their summed
 * requests and used host ports. Mutated only by the cache under its lock.
 */
public final class NodeInfo {
  private Node node;
  private final String name;
  private Resources allocatable;
  // Read by filters for every node of every cycle: kept here rather than looked up in the Node.
  private Map<String, String> labels = Map.of();
  private java.util.List<Taint> taints = java.util.List.of();
  private boolean unschedulable;
  private boolean preferNoScheduleTaints;
  private Resources requested = Resources.ZERO;
  private Resources nonZeroRequested = Resources.ZERO;
  private final Map<String, PodInfo> pods = new LinkedHashMap<>();
  private final Set<String> usedPorts = new HashSet<>();
  private int podsWithAffinity;

  /** A node with no pods. */
  public NodeInfo(Node node) {
    this.name = node.getMetadata().getName();
    setNode(node);
  }

  private NodeInfo(NodeInfo o) {
    this.node = o.node;
    this.name = o.name;
    this.allocatable = o.allocatable;
    this.labels = o.labels;
    this.taints = o.taints;
    this.unschedulable = o.unschedulable;
    this.preferNoScheduleTaints = o.preferNoScheduleTaints;
    this.requested = o.requested;
    this.nonZeroRequested = o.nonZeroRequested;
    this.pods.putAll(o.pods);
    this.usedPorts.addAll(o.usedPorts);
    this.podsWithAffinity = o.podsWithAffinity;
  }

  /** An independent copy (for preemption's what-if). */
  public NodeInfo copy() {
    return new NodeInfo(this);
  }

  /** Replaces the node object (on update). */
  public void setNode(Node node) {
    this.node = node;
    this.allocatable = NodeAllocatable.of(node);
    Map<String, String> l = node.getMetadata().getLabels();
    this.labels = l == null ? Map.of() : l;
    var spec = node.getSpec();
    this.taints = spec == null || spec.getTaints() == null ? java.util.List.of()
        : java.util.List.copyOf(spec.getTaints());
    this.unschedulable = spec != null && Boolean.TRUE.equals(spec.getUnschedulable());
    this.preferNoScheduleTaints = taints.stream()
        .anyMatch(t -> "PreferNoSchedule".equals(t.getEffect()));
  }

  /** The node's taints (never null). */
  public java.util.List<Taint> taints() {
    return taints;
  }

  /** Whether the node is cordoned ({@code spec.unschedulable}). */
  public boolean unschedulable() {
    return unschedulable;
  }

  /** Whether any taint has effect PreferNoSchedule. */
  public boolean hasPreferNoScheduleTaints() {
    return preferNoScheduleTaints;
  }

  /** Accounts {@code pod} to this node. */
  public void addPod(PodInfo pod) {
    PodInfo old = pods.put(pod.uid(), pod);
    if (old != null) {
      subtract(old);
    }
    requested = requested.plus(pod.requests());
    nonZeroRequested = nonZeroRequested.plus(pod.nonZeroRequests());
    forEachHostPort(pod, usedPorts::add);
    podsWithAffinity += hasPodAffinity(pod) ? 1 : 0;
  }

  /** Removes {@code uid}'s accounting; false when it was not here. */
  public boolean removePod(String uid) {
    PodInfo old = pods.remove(uid);
    if (old == null) {
      return false;
    }
    subtract(old);
    usedPorts.clear();
    for (PodInfo p : pods.values()) {
      forEachHostPort(p, usedPorts::add);
    }
    return true;
  }

  private void subtract(PodInfo old) {
    requested = requested.minus(old.requests());
    nonZeroRequested = nonZeroRequested.minus(old.nonZeroRequests());
    podsWithAffinity -= hasPodAffinity(old) ? 1 : 0;
  }

  private static boolean hasPodAffinity(PodInfo p) {
    var a = p.pod().getSpec() == null ? null : p.pod().getSpec().getAffinity();
    return a != null && (a.getPodAffinity() != null || a.getPodAntiAffinity() != null);
  }

  /** How many accounted pods declare pod affinity or anti-affinity. */
  public int podsWithAffinity() {
    return podsWithAffinity;
  }

  /** Calls {@code sink} with "protocol/hostIP/hostPort" for each host port the pod uses. */
  public static void forEachHostPort(PodInfo pod, java.util.function.Consumer<String> sink) {
    if (pod.pod().getSpec() == null || pod.pod().getSpec().getContainers() == null) {
      return;
    }
    for (Container c : pod.pod().getSpec().getContainers()) {
      if (c.getPorts() == null) {
        continue;
      }
      for (ContainerPort p : c.getPorts()) {
        if (p.getHostPort() != null && p.getHostPort() > 0) {
          String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
          String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
          sink.accept(proto + "/" + ip + "/" + p.getHostPort());
        }
      }
    }
  }

  public Node node() {
    return node;
  }

  public String name() {
    return name;
  }

  /** What the node offers. */
  public Resources allocatable() {
    return allocatable;
  }

  /** Sum of the accounted pods' requests; {@code pods()} is their count. */
  public Resources requested() {
    return requested;
  }

  /** Like {@link #requested()} with defaults for pods requesting nothing (for scoring). */
  public Resources nonZeroRequested() {
    return nonZeroRequested;
  }

  /** The accounted pods. */
  public Collection<PodInfo> pods() {
    return pods.values();
  }

  /** Host ports in use, as "protocol/hostIP/hostPort". */
  public Set<String> usedPorts() {
    return usedPorts;
  }

  /** The node's labels (never null). */
  public Map<String, String> labels() {
    return labels;
  }
}
