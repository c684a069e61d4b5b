package io.jk.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * Start-up phase timings for tuning: with {@code JKCTL_TRACE=1} in the command's environment,
 * jkctl prints to its stderr how long after {@code JKCTL_TRACE_T0} (epoch ms, e.g.
 * {@code date +%s%3N}; else the command's start) each phase ended (picocli parse, kubeconfig,
 * TLS set-up, first answer, discovery, output).
 *
 * <p>Per thread, so that the jkctl daemon's concurrent requests each trace to their own stderr
 * with their own environment. Costs one map lookup per command when off.
 */
final class Trace {

  private record On(long start, PrintStream err) {}

  private static final ThreadLocal<On> CURRENT = new ThreadLocal<>();

  private Trace() {}

  /** Whether this thread traces already (the JVM's main started it before the command ran). */
  static boolean active() {
    return CURRENT.get() != null;
  }

  /** Starts tracing this thread's command when {@code env} asks for it. */
  static void begin(Map<String, String> env, PrintStream err) {
    if (!"1".equals(env.get("JKCTL_TRACE"))) {
      CURRENT.remove();
      return;
    }
    long start;
    try {
      start = Long.parseLong(env.getOrDefault("JKCTL_TRACE_T0", ""));
    } catch (NumberFormatException e) {
      start = System.currentTimeMillis();
    }
    CURRENT.set(new On(start, err));
  }

  /** Stops tracing this thread. */
  static void end() {
    CURRENT.remove();
  }

  /** Records that {@code phase} just ended. */
  static void mark(String phase) {
    On on = CURRENT.get();
    if (on != null) {
      on.err().println("jkctl trace: " + (System.currentTimeMillis() - on.start()) + " ms " + phase);
    }
  }
}
