package io.jk.common.resources;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a pod's requests fit next to what a node already runs: the decision the scheduler's
 * NodeResourcesFit filter and the kubelet's admission share.
 */
public final class Fit {

  private Fit() {}

  /**
   * The reasons the pod does not fit, in Kubernetes' order and words ("Too many pods",
   * "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage", then
   * "Insufficient nvidia.com/gpu" for each short scalar resource by name); empty when it
   * fits. A resource the pod does not request is never insufficient.
   *
   * @param podRequests the pod's effective requests ({@link PodRequests#of})
   * @param nodeAllocatable what the node offers ({@link NodeAllocatable#of})
   * @param nodeRequested the sum of the requests of the pods already on the node, with
   *     {@code pods} their count
   */
  public static List<String> check(Resources podRequests, Resources nodeAllocatable,
      Resources nodeRequested) {
    boolean pods = nodeRequested.pods() + 1 > nodeAllocatable.pods();
    boolean cpu = podRequests.cpuMilli() > 0
        && podRequests.cpuMilli() > nodeAllocatable.cpuMilli() - nodeRequested.cpuMilli();
    boolean mem = podRequests.memory() > 0
        && podRequests.memory() > nodeAllocatable.memory() - nodeRequested.memory();
    boolean eph = podRequests.ephemeralStorage() > 0 && podRequests.ephemeralStorage()
        > nodeAllocatable.ephemeralStorage() - nodeRequested.ephemeralStorage();
    boolean scalar = false;
    for (var e : podRequests.scalars().entrySet()) {
      if (e.getValue() > 0 && e.getValue()
          > nodeAllocatable.scalar(e.getKey()) - nodeRequested.scalar(e.getKey())) {
        scalar = true;
      }
    }
    if (!(pods || cpu || mem || eph || scalar)) {
      return List.of(); // the common case allocates nothing
    }
    List<String> insufficient = new ArrayList<>(2);
    if (pods) {
      insufficient.add("Too many pods");
    }
    if (cpu) {
      insufficient.add("Insufficient cpu");
    }
    if (mem) {
      insufficient.add("Insufficient memory");
    }
    if (eph) {
      insufficient.add("Insufficient ephemeral-storage");
    }
    if (scalar) {
      new java.util.TreeMap<>(podRequests.scalars()).forEach((name, want) -> {
        if (want > 0 && want > nodeAllocatable.scalar(name) - nodeRequested.scalar(name)) {
          insufficient.add("Insufficient " + name);
        }
      });
    }
    return insufficient;
  }
}
