package io.jk.apiserver.metrics;

/**
 * Kubernetes' canonical quantity forms of the usage figures metrics-server reports: CPU from
 * nanocores ({@code 250m}, {@code 137930936n}, {@code 2}) and memory from bytes in binary-SI
 * ({@code 1404260Ki}, {@code 512Mi}, or plain bytes when no binary suffix divides them).
 */
public final class UsageQuantities {

  private static final String[] BINARY = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

  private UsageQuantities() {}

  /** CPU {@code nanocores} as a quantity with the largest exact decimal suffix. */
  public static String cpu(long nanocores) {
    if (nanocores <= 0) {
      return "0";
    }
    if (nanocores % 1_000_000_000L == 0) {
      return Long.toString(nanocores / 1_000_000_000L);
    }
    if (nanocores % 1_000_000L == 0) {
      return nanocores / 1_000_000L + "m";
    }
    if (nanocores % 1_000L == 0) {
      return nanocores / 1_000L + "u";
    }
    return nanocores + "n";
  }

  /** Memory {@code bytes} as a quantity with the largest exact binary suffix. */
  public static String memory(long bytes) {
    if (bytes <= 0) {
      return "0";
    }
    long v = bytes;
    int suffix = -1;
    while (v % 1024 == 0 && suffix < BINARY.length - 1) {
      v /= 1024;
      suffix++;
    }
    return suffix < 0 ? Long.toString(v) : v + BINARY[suffix];
  }
}
