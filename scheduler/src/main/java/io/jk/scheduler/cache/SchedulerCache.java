package io.jk.scheduler.cache;

import io.fabric8.kubernetes.api.model.Node;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The scheduler's own view of nodes and the pods accounted to them: pods the informer saw bound,
 * and pods this scheduler assumed (placed, binding in flight). Assuming reserves a pod's
 * requests at once so the next cycle sees them without waiting for the API round trip; a failed
 * bind forgets the pod; the informer seeing the binding confirms it.
 *
 * <p>All state is guarded by one lock; a scheduling cycle runs inside {@link #withSnapshot}.
 */
public final class SchedulerCache {

  private record PodState(PodInfo pod, String nodeName, boolean assumed) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, NodeInfo> nodes = new LinkedHashMap<>();
  private final Map<String, PodState> pods = new HashMap<>();
  /** The nodes in a stable order for snapshots; null when a node was added or removed since. */
  private List<NodeInfo> nodeList = List.of();
  /** Accounted pods (on known nodes) declaring pod affinity or anti-affinity. */
  private int podsWithAffinity;

  /** Adds or updates a node. */
  public void upsertNode(Node node) {
    lock.lock();
    try {
      String name = node.getMetadata().getName();
      NodeInfo info = nodes.get(name);
      if (info != null) {
        info.setNode(node);
        return;
      }
      info = new NodeInfo(node);
      nodes.put(name, info);
      // Pods bound before their node was seen are accounted now.
      for (PodState p : pods.values()) {
        if (name.equals(p.nodeName())) {
          info.addPod(p.pod());
        }
      }
      podsWithAffinity += info.podsWithAffinity();
      nodeList = null; // rebuilt by the next snapshot: registering N nodes stays O(N)
    } finally {
      lock.unlock();
    }
  }

  /** Removes a node (its pods stay known, in case it comes back). */
  public void removeNode(String name) {
    lock.lock();
    try {
      NodeInfo gone = nodes.remove(name);
      if (gone != null) {
        podsWithAffinity -= gone.podsWithAffinity();
        nodeList = null;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Reserves {@code pod}'s requests on {@code nodeName} before it is bound. */
  public void assume(PodInfo pod, String nodeName) {
    lock.lock();
    try {
      put(new PodState(pod, nodeName, true));
    } finally {
      lock.unlock();
    }
  }

  /** Drops an assumed pod after its bind failed; a confirmed pod is left alone. */
  public void forget(String uid) {
    lock.lock();
    try {
      PodState s = pods.get(uid);
      if (s != null && s.assumed()) {
        remove(uid);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Accounts a pod the informer saw bound to a node (confirming an assumed one). */
  public void addOrUpdateBoundPod(PodInfo pod, String nodeName) {
    lock.lock();
    try {
      PodState s = pods.get(pod.uid());
      if (s != null && !s.assumed() && s.nodeName().equals(nodeName)
          && s.pod().requests().equals(pod.requests())
          && s.pod().pod().getMetadata().getLabels() == pod.pod().getMetadata().getLabels()) {
        return; // nothing the scheduler accounts for changed (status-only update)
      }
      put(new PodState(pod, nodeName, false));
    } finally {
      lock.unlock();
    }
  }

  /** Removes a pod's accounting (deleted, or finished running). */
  public void removePod(String uid) {
    lock.lock();
    try {
      remove(uid);
    } finally {
      lock.unlock();
    }
  }

  /** True when the pod is assumed and its binding not yet seen. */
  public boolean isAssumed(String uid) {
    lock.lock();
    try {
      PodState s = pods.get(uid);
      return s != null && s.assumed();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code cycle} on a consistent snapshot of the nodes, holding the cache lock. */
  public <T> T withSnapshot(Function<Snapshot, T> cycle) {
    lock.lock();
    try {
      if (nodeList == null) {
        nodeList = List.copyOf(nodes.values());
      }
      return cycle.apply(new Snapshot(nodeList, podsWithAffinity));
    } finally {
      lock.unlock();
    }
  }

  /** Number of nodes known. */
  public int nodeCount() {
    lock.lock();
    try {
      return nodes.size();
    } finally {
      lock.unlock();
    }
  }

  private void put(PodState s) {
    remove(s.pod().uid());
    pods.put(s.pod().uid(), s);
    NodeInfo n = nodes.get(s.nodeName());
    if (n != null) {
      int before = n.podsWithAffinity();
      n.addPod(s.pod());
      podsWithAffinity += n.podsWithAffinity() - before;
    }
  }

  private void remove(String uid) {
    PodState old = pods.remove(uid);
    if (old != null) {
      NodeInfo n = nodes.get(old.nodeName());
      if (n != null) {
        int before = n.podsWithAffinity();
        n.removePod(uid);
        podsWithAffinity += n.podsWithAffinity() - before;
      }
    }
  }

  /** Names of the pods accounted to {@code nodeName} (for tests and debugging). */
  public List<String> podsOn(String nodeName) {
    lock.lock();
    try {
      NodeInfo n = nodes.get(nodeName);
      List<String> out = new ArrayList<>();
      if (n != null) {
        n.pods().forEach(p -> out.add(p.key()));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }
}
