package io.jk.kubelet.image;

/** A container's {@code imagePullPolicy}. */
public enum PullPolicy {
  ALWAYS, IF_NOT_PRESENT, NEVER;

  /** The policy named as in a pod spec ({@code Always}, {@code IfNotPresent}, {@code Never}). */
  public static PullPolicy of(String name) {
    return switch (name == null ? "IfNotPresent" : name) {
      case "Always" -> ALWAYS;
      case "Never" -> NEVER;
      default -> IF_NOT_PRESENT;
    };
  }
}
