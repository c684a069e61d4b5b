package io.jk.kubelet.pod;

import java.util.ArrayList;
import java.util.List;

/**
 * Timestamps of one pod's way from the watch event to its first Running status write, logged once
 * (DEBUG) as {@code step=ms-since-previous} pairs so a slow step stands out. Only the pod's worker
 * touches it; a finished trace ignores further marks.
 */
final class StartupTrace {
  private final long origin = System.nanoTime();
  private final List<String> steps = new ArrayList<>();
  private final List<Long> at = new ArrayList<>();
  private boolean done;

  /** Records that {@code step} ended now. */
  void mark(String step) {
    if (!done) {
      steps.add(step);
      at.add(System.nanoTime());
    }
  }

  boolean done() {
    return done;
  }

  /** Ends the trace; returns its text ({@code total=…ms dispatch=…ms …}). */
  String finish() {
    done = true;
    StringBuilder b = new StringBuilder();
    long prev = origin;
    long last = at.isEmpty() ? origin : at.get(at.size() - 1);
    b.append("totalMs=").append((last - origin) / 1_000_000);
    for (int i = 0; i < steps.size(); i++) {
      b.append(' ').append(steps.get(i)).append('=').append((at.get(i) - prev) / 1_000_000);
      prev = at.get(i);
    }
    return b.toString();
  }
}
