package io.jk.scheduler;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.Status;
import io.jk.scheduler.plugins.Selectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds where evicting lower-priority pods would let a pod fit, as Kubernetes' DefaultPreemption
 * ({@code selectVictimsOnNode}, {@code pickOneNodeForPreemption}): on each node that failed only
 * in ways preemption might fix, remove every lower-priority pod and check the pod fits; then give
 * back as many of them as still leave room, first those whose eviction would violate a
 * PodDisruptionBudget, then the others, each group most important (highest priority) first.
 * The best node has the fewest PDB-violating victims, then the lowest highest-victim priority,
 * then the lowest priority sum, then the fewest victims.
 */
public final class Preemption {

  /** A node, the pods to evict from it, and how many of them a PDB protects. */
  public record Candidate(String nodeName, List<PodInfo> victims, int pdbViolations) {
    /** A candidate whose eviction violates no PodDisruptionBudget. */
    public Candidate(String nodeName, List<PodInfo> victims) {
      this(nodeName, victims, 0);
    }
  }

  /** The chosen candidate (or null) and the "preemption: ..." part of the message. */
  public record Outcome(Candidate candidate, String message) {}

  private Preemption() {}

  /** Runs the what-if on the snapshot ignoring PodDisruptionBudgets; never mutates it. */
  public static Outcome find(Framework fw, CycleState state, PodInfo pod, Snapshot snapshot,
      Map<String, Status> nodeStatuses) {
    return find(fw, state, pod, snapshot, nodeStatuses, List.of());
  }

  /**
   * Runs the what-if on the snapshot, preferring victims whose eviction violates none of
   * {@code pdbs}; never mutates the snapshot.
   */
  public static Outcome find(Framework fw, CycleState state, PodInfo pod, Snapshot snapshot,
      Map<String, Status> nodeStatuses, List<PodDisruptionBudget> pdbs) {
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
      Candidate c = victimsOn(fw, state, pod, n, pdbs);
      if (c == null) {
        reasons.merge("No preemption victims found for incoming pod", 1, Integer::sum);
      } else {
        candidates.add(c);
      }
    }
    Candidate best = candidates.stream().min(Comparator
        .comparingInt(Candidate::pdbViolations)
        .thenComparingInt((Candidate c) -> c.victims().stream().mapToInt(PodInfo::priority).max().orElse(Integer.MIN_VALUE))
        // Kubernetes shifts each priority by MaxInt32+1 so that negative priorities still add up.
        .thenComparingLong(c -> c.victims().stream()
            .mapToLong(v -> (long) v.priority() + Integer.MAX_VALUE + 1).sum())
        .thenComparingInt(c -> c.victims().size()))
        .orElse(null);
    if (best != null) {
      return new Outcome(best, "");
    }
    return new Outcome(null, "preemption: "
        + io.jk.scheduler.framework.Diagnosis.histogram(snapshot.nodes().size(), reasons));
  }

  private static Candidate victimsOn(Framework fw, CycleState state, PodInfo pod, NodeInfo node,
      List<PodDisruptionBudget> pdbs) {
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
    List<PodInfo> violating = new ArrayList<>();
    List<PodInfo> nonViolating = new ArrayList<>();
    splitByPdbViolation(lower, pdbs, violating, nonViolating);
    List<PodInfo> victims = new ArrayList<>();
    int violations = 0;
    for (PodInfo p : violating) {
      if (!reprieve(fw, state, pod, what, p, victims)) {
        violations++;
      }
    }
    for (PodInfo p : nonViolating) {
      reprieve(fw, state, pod, what, p, victims);
    }
    return victims.isEmpty() ? null : new Candidate(node.name(), victims, violations);
  }

  /** Puts {@code p} back; if the pod no longer fits, takes it out again as a victim. */
  private static boolean reprieve(Framework fw, CycleState state, PodInfo pod, NodeInfo what,
      PodInfo p, List<PodInfo> victims) {
    what.addPod(p);
    if (fw.runFilters(state, pod, what).isSuccess()) {
      return true;
    }
    what.removePod(p.uid());
    victims.add(p);
    return false;
  }

  /**
   * Splits {@code pods} (in order) into those whose eviction, together with the ones before
   * them, would take a matching PDB below zero allowed disruptions, and the rest (Kubernetes'
   * filterPodsWithPDBViolation). A PDB with an empty selector protects nothing here; pods the
   * PDB already counts as disrupted do not use up its budget.
   */
  static void splitByPdbViolation(List<PodInfo> pods, List<PodDisruptionBudget> pdbs,
      List<PodInfo> violating, List<PodInfo> nonViolating) {
    int[] allowed = new int[pdbs.size()];
    for (int i = 0; i < allowed.length; i++) {
      var st = pdbs.get(i).getStatus();
      allowed[i] = st == null || st.getDisruptionsAllowed() == null ? 0 : st.getDisruptionsAllowed();
    }
    for (PodInfo p : pods) {
      boolean violates = false;
      Map<String, String> labels = p.pod().getMetadata().getLabels();
      for (int i = 0; i < allowed.length; i++) {
        PodDisruptionBudget pdb = pdbs.get(i);
        if (!p.namespace().equals(pdb.getMetadata().getNamespace()) || pdb.getSpec() == null) {
          continue;
        }
        LabelSelector sel = pdb.getSpec().getSelector();
        if (sel == null || emptySelector(sel) || labels == null || !Selectors.matches(sel, labels)) {
          continue;
        }
        var st = pdb.getStatus();
        if (st != null && st.getDisruptedPods() != null
            && st.getDisruptedPods().containsKey(p.name())) {
          continue;
        }
        allowed[i]--;
        if (allowed[i] < 0) {
          violates = true;
        }
      }
      (violates ? violating : nonViolating).add(p);
    }
  }

  private static boolean emptySelector(LabelSelector s) {
    return (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
        && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
  }
}
