package io.jk.common.resources;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongBinaryOperator;

/**
 * An amount of the resources the scheduler and the kubelet account for: cpu in millicores,
 * memory and ephemeral storage in bytes, a count of pods, and scalar resources (extended
 * resources such as {@code nvidia.com/gpu}, {@code hugepages-2Mi}) in whole units by name.
 */
public record Resources(long cpuMilli, long memory, long ephemeralStorage, long pods,
    Map<String, Long> scalars) {

  /** Nothing. */
  public static final Resources ZERO = new Resources(0, 0, 0, 0);

  /** Canonical constructor: scalars copied (never null). */
  public Resources {
    scalars = scalars == null || scalars.isEmpty() ? Map.of() : Map.copyOf(scalars);
  }

  /** Resources without scalar resources. */
  public Resources(long cpuMilli, long memory, long ephemeralStorage, long pods) {
    this(cpuMilli, memory, ephemeralStorage, pods, Map.of());
  }

  /** The amount of scalar resource {@code name} (0 when absent). */
  public long scalar(String name) {
    return scalars.getOrDefault(name, 0L);
  }

  /** The sum of this and {@code o}. */
  public Resources plus(Resources o) {
    return new Resources(cpuMilli + o.cpuMilli, memory + o.memory,
        ephemeralStorage + o.ephemeralStorage, pods + o.pods, merge(scalars, o.scalars, Long::sum));
  }

  /** This minus {@code o}. */
  public Resources minus(Resources o) {
    return new Resources(cpuMilli - o.cpuMilli, memory - o.memory,
        ephemeralStorage - o.ephemeralStorage, pods - o.pods,
        merge(scalars, o.scalars, (a, b) -> a - b));
  }

  /** The larger of this and {@code o}, resource by resource. */
  public Resources max(Resources o) {
    return new Resources(Math.max(cpuMilli, o.cpuMilli), Math.max(memory, o.memory),
        Math.max(ephemeralStorage, o.ephemeralStorage), Math.max(pods, o.pods),
        merge(scalars, o.scalars, Math::max));
  }

  private static Map<String, Long> merge(Map<String, Long> a, Map<String, Long> b,
      LongBinaryOperator op) {
    if (a.isEmpty() && b.isEmpty()) {
      return Map.of(); // the common case: no scalar resources, no allocation
    }
    Map<String, Long> out = new HashMap<>();
    for (String k : a.keySet()) {
      out.put(k, op.applyAsLong(a.get(k), b.getOrDefault(k, 0L)));
    }
    for (String k : b.keySet()) {
      out.putIfAbsent(k, op.applyAsLong(0L, b.get(k)));
    }
    out.values().removeIf(v -> v == 0L);
    return out;
  }
}
