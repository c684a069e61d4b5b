package io.jk.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why a pod fits nowhere: each rejected node's status. Renders Kubernetes' message, e.g.
 * {@code 0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.}
 */
public record Diagnosis(int totalNodes, Map<String, Status> nodeStatuses, Status preFilterStatus) {

  /** The "0/N nodes are available: ..." message with reason counts sorted as Kubernetes does. */
  public String message() {
    Map<String, Integer> counts = new TreeMap<>();
    if (preFilterStatus != null && !preFilterStatus.isSuccess()) {
      for (String r : preFilterStatus.reasons()) {
        counts.merge(r, totalNodes, Integer::sum);
      }
    } else {
      for (Status s : nodeStatuses.values()) {
        for (String r : s.reasons()) {
          counts.merge(r, 1, Integer::sum);
        }
      }
    }
    return histogram(totalNodes, counts);
  }

  /** "0/N nodes are available: a x, b y." from reason counts. */
  public static String histogram(int totalNodes, Map<String, Integer> counts) {
    if (totalNodes == 0) {
      return "0/0 nodes are available: no nodes available to schedule pods.";
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((reason, n) -> parts.add(n + " " + reason));
    Collections.sort(parts);
    return "0/" + totalNodes + " nodes are available: " + String.join(", ", parts) + ".";
  }

  /** True when some node failed only in ways preemption might fix. */
  public boolean preemptionMightHelp() {
    if (preFilterStatus != null && !preFilterStatus.isSuccess()) {
      return false;
    }
    return nodeStatuses.values().stream().anyMatch(s -> s.code() == Status.Code.UNSCHEDULABLE);
  }
}
