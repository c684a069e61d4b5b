package io.jk.common.process;

/**
 * How this JVM starts child processes. A kubelet starts several per pod (shims, mount, CNI plugins); the JDK's
 * default on Linux since 13, {@code POSIX_SPAWN}, execs the {@code jspawnhelper} program first, which then execs
 * the target: two program loads per child. {@code VFORK} (the default up to JDK 12) loads only the target;
 * measured with {@code kubelet/bench/pod-startup.sh}, it takes ~20 ms of CPU off each pod's start and
 * teardown together (see docs/benchmarks.md). JDK 22 and later deprecate VFORK and print a warning, so there
 * the JDK's default stays.
 */
public final class ProcessLaunch {
  static final String PROPERTY = "jdk.lang.Process.launchMechanism";

  private ProcessLaunch() {}

  /**
   * Chooses VFORK unless the JDK is 22 or later or a mechanism was chosen on the command line. Must run before
   * the first child process of this JVM: the JDK reads the property once.
   */
  public static void preferVfork() {
    if (Runtime.version().feature() < 22 && System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "VFORK");
    }
  }
}
