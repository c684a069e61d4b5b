package io.jk.cli;

/**
 * Start-up phase timings for tuning: with {@code JKCTL_TRACE=1} in the environment, jkctl prints
 * to stderr how long after {@code JKCTL_TRACE_T0} (or main) each phase ended (picocli parse, kubeconfig, TLS set-up,
 * first answer, discovery, output). Costs one environment lookup when off.
 */
final class Trace {

  private static final boolean ON = "1".equals(System.getenv("JKCTL_TRACE"));
  /** Epoch milliseconds of the command's start: {@code JKCTL_TRACE_T0} (e.g. {@code date +%s%3N}), else now. */
  private static final long START = ON ? t0() : 0;

  private Trace() {}

  private static long t0() {
    try {
      return Long.parseLong(System.getenv("JKCTL_TRACE_T0"));
    } catch (NumberFormatException e) {
      return System.currentTimeMillis();
    }
  }

  /** Records that {@code phase} just ended. */
  static void mark(String phase) {
    if (ON) {
      System.err.println("jkctl trace: " + (System.currentTimeMillis() - START) + " ms " + phase);
    }
  }
}
