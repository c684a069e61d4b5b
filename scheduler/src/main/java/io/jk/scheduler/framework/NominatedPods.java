package io.jk.scheduler.framework;

import java.util.List;

/**
 * Pods nominated to run on a node after preemption: their room is held against pods of lower
 * or equal priority so that the victims' space goes to the preemptor.
 */
public interface NominatedPods {
  /** No nominations. */
  NominatedPods NONE = node -> List.of();

  /** The pods nominated for {@code nodeName} (never null). */
  List<PodInfo> on(String nodeName);
}
