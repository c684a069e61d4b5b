package io.jk.common.resources;

/**
 * An amount of the resources the scheduler and the kubelet account for: cpu in millicores,
 * memory and ephemeral storage in bytes, and a count of pods.
 */
public record Resources(long cpuMilli, long memory, long ephemeralStorage, long pods) {

  /** Nothing. */
  public static final Resources ZERO = new Resources(0, 0, 0, 0);

  /** The sum of this and {@code o}. */
  public Resources plus(Resources o) {
    return new Resources(cpuMilli + o.cpuMilli, memory + o.memory,
        ephemeralStorage + o.ephemeralStorage, pods + o.pods);
  }

  /** This minus {@code o}. */
  public Resources minus(Resources o) {
    return new Resources(cpuMilli - o.cpuMilli, memory - o.memory,
        ephemeralStorage - o.ephemeralStorage, pods - o.pods);
  }

  /** The larger of this and {@code o}, resource by resource. */
  public Resources max(Resources o) {
    return new Resources(Math.max(cpuMilli, o.cpuMilli), Math.max(memory, o.memory),
        Math.max(ephemeralStorage, o.ephemeralStorage), Math.max(pods, o.pods));
  }
}
