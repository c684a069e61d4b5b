package io.jk.scheduler;

import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds where evicting lower-priority pods would let a pod fit: on each node that failed only
 * in ways preemption might fix, remove every lower-priority pod, check the pod fits, then give
 * back as many of them (highest priority first) as still leave room. The best node has the
 * lowest highest-victim priority, then the fewest victims, then the lowest priority sum.
 */
public final class Preemption {

  /** A node and the pods to evict from it. */
  public record Candidate(String nodeName, List<PodInfo> victims) {}

  /** The chosen candidate (or null) and the "preemption: ..." part of the message. */
  public record Outcome(Candidate candidate, String message) {}

  private Preemption() {}

  /** Runs the what-if on the snapshot; never mutates it. */
  public static Outcome find(Framework fw, CycleState state, PodInfo pod, Snapshot snapshot,
      Map<String, Status> nodeStatuses) {
    if ("Never".equals(pod.pod().getSpec().getPreemptionPolicy())) {
      return new Outcome(null, "preemption: not eligible due to preemptionPolicy=Never.");
    }
    Map<String, Integer> reasons = new TreeMap<>();
    List<Candidate> candidates = new ArrayList<>();
    for (NodeInfo n : snapshot.nodes()) {
      Status s = nodeStatuses.get(n.name());
      if (s == null || s.code() != Status.Code.UNSCHEDULABLE) {
        reasons.merge("Preemption is not helpful for scheduling", 1, Integer::sum);
        continue;
      }
      Candidate c = victimsOn(fw, state, pod, n);
      if (c == null) {
        reasons.merge("No preemption victims found for incoming pod", 1, Integer::sum);
      } else {
        candidates.add(c);
      }
    }
    Candidate best = candidates.stream().min(Comparator
        .comparingInt((Candidate c) -> c.victims().stream().mapToInt(PodInfo::priority).max().orElse(Integer.MIN_VALUE))
        .thenComparingInt(c -> c.victims().size())
        .thenComparingLong(c -> c.victims().stream().mapToLong(PodInfo::priority).sum()))
        .orElse(null);
    if (best != null) {
      return new Outcome(best, "");
    }
    return new Outcome(null, "preemption: "
        + io.jk.scheduler.framework.Diagnosis.histogram(snapshot.nodes().size(), reasons));
  }

  private static Candidate victimsOn(Framework fw, CycleState state, PodInfo pod, NodeInfo node) {
    NodeInfo what = node.copy();
    List<PodInfo> lower = new ArrayList<>();
    for (PodInfo p : node.pods()) {
      if (p.priority() < pod.priority() && p.pod().getMetadata().getDeletionTimestamp() == null) {
        lower.add(p);
        what.removePod(p.uid());
      }
    }
    if (lower.isEmpty() || !fw.runFilters(state, pod, what).isSuccess()) {
      return null;
    }
    lower.sort(Comparator.comparingInt(PodInfo::priority).reversed());
    List<PodInfo> victims = new ArrayList<>();
    for (PodInfo p : lower) {
      what.addPod(p);
      if (!fw.runFilters(state, pod, what).isSuccess()) {
        what.removePod(p.uid());
        victims.add(p);
      }
    }
    return victims.isEmpty() ? null : new Candidate(node.name(), victims);
  }
}
