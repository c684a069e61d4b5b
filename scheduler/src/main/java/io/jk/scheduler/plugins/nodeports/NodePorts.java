package io.jk.scheduler.plugins.nodeports;

import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.PreFilterPlugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Keeps a pod off nodes where one of its host ports is taken. */
public final class NodePorts implements PreFilterPlugin, FilterPlugin {
  /** The reason users see. */
  public static final String REASON = "node(s) didn't have free ports for the requested pod ports";

  @Override
  public String name() {
    return "NodePorts";
  }

  /** Collects the pod's host ports once; skipped for pods without any. */
  @Override
  public Status preFilter(CycleState state, PodInfo pod, Snapshot snapshot) {
    List<String> wanted = new ArrayList<>();
    NodeInfo.forEachHostPort(pod, wanted::add);
    if (wanted.isEmpty()) {
      return Status.SKIP;
    }
    state.write(name(), wanted);
    return Status.SUCCESS;
  }

  @Override
  public Status filter(CycleState state, PodInfo pod, NodeInfo node) {
    List<String> wanted = state.read(name());
    if (wanted == null) { // called without PreFilter (preemption what-ifs in tests)
      wanted = new ArrayList<>();
      NodeInfo.forEachHostPort(pod, wanted::add);
    }
    return conflicts(wanted, node.usedPorts()) ? Status.unschedulable(REASON) : Status.SUCCESS;
  }

  /**
   * Whether any wanted "proto/ip/port" clashes with a used one: same protocol and port, and the
   * same IP or either being 0.0.0.0.
   */
  public static boolean conflicts(List<String> wanted, Set<String> used) {
    for (String w : wanted) {
      String[] p = w.split("/", 3);
      for (String u : used) {
        String[] q = u.split("/", 3);
        if (p[0].equals(q[0]) && p[2].equals(q[2])
            && (p[1].equals(q[1]) || p[1].equals("0.0.0.0") || q[1].equals("0.0.0.0"))) {
          return true;
        }
      }
    }
    return false;
  }
}
