package io.jk.scheduler.framework;

import java.util.List;

/** Ranks the nodes that passed filtering. */
public interface ScorePlugin extends Plugin {
  /** Highest score a plugin gives after normalization. */
  long MAX_SCORE = 100;

  /**
   * Optional per-cycle preparation over the feasible nodes; {@link Status#SKIP} when this
   * plugin would give every node the same score, so Score is not called and the plugin adds
   * nothing. Default: {@link Status#SUCCESS}.
   */
  default Status preScore(CycleState state, PodInfo pod, List<NodeInfo> feasible) {
    return Status.SUCCESS;
  }

  /** The node's score for {@code pod}, higher is better; in [0, 100] unless normalized after. */
  long score(CycleState state, PodInfo pod, NodeInfo node);

  /**
   * Rewrites {@code scores} (index-aligned with the feasible nodes) into [0, 100]; the default
   * leaves them as they are.
   */
  default void normalizeScores(CycleState state, PodInfo pod, long[] scores) {}
}
