package io.jk.scheduler.framework;

import java.util.List;

/**
 * A plugin's verdict: a code and the reasons users see. Never null: success is
 * {@link #SUCCESS}.
 */
public record Status(Code code, List<String> reasons, String plugin) {

  /** What a status means for the pod. */
  public enum Code {
    /** The pod may proceed. */
    SUCCESS,
    /** Not here, but preempting pods might make room. */
    UNSCHEDULABLE,
    /** Not here, and preemption cannot help. */
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    /** Something broke; retry later. */
    ERROR,
    /**
     * From PreFilter or PreScore only: this plugin has nothing to check or score for the pod
     * in this cycle, so its Filter or Score is not called (Kubernetes' Skip).
     */
    SKIP
  }

  /** The shared success status. */
  public static final Status SUCCESS = new Status(Code.SUCCESS, List.of(), "");

  /** The shared skip status (see {@link Code#SKIP}). */
  public static final Status SKIP = new Status(Code.SKIP, List.of(), "");

  /** Canonical constructor: reasons copied, plugin never null. */
  public Status {
    reasons = List.copyOf(reasons);
    plugin = plugin == null ? "" : plugin;
  }

  /** An UNSCHEDULABLE status with reasons. */
  public static Status unschedulable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE, List.of(reasons), "");
  }

  /** An UNSCHEDULABLE_AND_UNRESOLVABLE status with reasons. */
  public static Status unresolvable(String... reasons) {
    return new Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(reasons), "");
  }

  /** An ERROR status. */
  public static Status error(String reason) {
    return new Status(Code.ERROR, List.of(reason), "");
  }

  /** True when the pod may proceed. */
  public boolean isSuccess() {
    return code == Code.SUCCESS;
  }

  /** This status attributed to {@code pluginName}. */
  public Status withPlugin(String pluginName) {
    return new Status(code, reasons, pluginName);
  }
}
