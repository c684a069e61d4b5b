package io.jk.scheduler.plugins;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.NodeInfo;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.framework.Plugin;
import io.jk.scheduler.framework.PreFilterPlugin;
import io.jk.scheduler.framework.Snapshot;
import io.jk.scheduler.framework.FilterPlugin;
import io.jk.scheduler.framework.Status;
import java.util.List;

/** Helpers for plugin tests. */
public final class Fixtures {
  private Fixtures() {}

  /** A node info with the given pods accounted. */
  public static NodeInfo nodeInfo(Node node, Pod... pods) {
    NodeInfo n = new NodeInfo(node);
    for (Pod p : pods) {
      n.addPod(PodInfo.of(p));
    }
    return n;
  }

  /** Runs PreFilter (if any) over {@code all} then Filter on {@code target}. */
  public static Status filter(Plugin plugin, Pod pod, NodeInfo target, List<NodeInfo> all) {
    CycleState state = new CycleState();
    PodInfo pi = PodInfo.of(pod);
    if (plugin instanceof PreFilterPlugin pf) {
      Status s = pf.preFilter(state, pi, new Snapshot(all));
      if (s.code() == Status.Code.SKIP) {
        return Status.SUCCESS; // the framework does not run a skipped plugin's filter
      }
      if (!s.isSuccess()) {
        return s;
      }
    }
    return ((FilterPlugin) plugin).filter(state, pi, target);
  }
}
