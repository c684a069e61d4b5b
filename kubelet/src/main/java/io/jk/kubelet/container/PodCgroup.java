package io.jk.kubelet.container;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.jk.common.resources.Quantities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The pod-level cgroup's limits, as the Kubernetes kubelet sets them for Guaranteed and Burstable
 * pods: cpu shares from the pod's requests, a cpu quota when every container limits cpu and a memory
 * limit when every container limits memory (the sum of the app containers and sidecars, or the largest
 * init container if more, plus the pod's overhead). BestEffort pods get the minimum shares and no limits.
 */
public final class PodCgroup {
  /** CFS period, as the kubelet uses. */
  static final long PERIOD_US = 100_000;

  private PodCgroup() {}

  /**
   * @param cpuShares cgroup v1 cpu.shares (minimum 2)
   * @param cpuQuotaUs cpu.cfs_quota_us per {@link #PERIOD_US}, or -1 for none
   * @param memoryBytes memory limit, or -1 for none
   */
  public record Limits(long cpuShares, long cpuQuotaUs, long memoryBytes) {}

  /** The pod cgroup limits of {@code pod}. */
  public static Limits of(Pod pod) {
    // a request defaults to the limit, as the API server's defaulting does
    long requestMilli = effective(pod, "cpu", c -> {
      long r = quantity(c, false, "cpu");
      return r >= 0 ? r : Math.max(0, quantity(c, true, "cpu"));
    });
    long cpuLimit = effective(pod, "cpu", c -> quantity(c, true, "cpu"));
    long memLimit = effective(pod, "memory", c -> quantity(c, true, "memory"));
    long shares = Math.max(2, requestMilli * 1024 / 1000);
    long quota = cpuLimit < 0 ? -1 : Math.max(1000, cpuLimit * PERIOD_US / 1000);
    return new Limits(shares, quota, memLimit);
  }

  /**
   * The pod's effective amount of {@code resource} (milli for cpu): app containers and sidecars add up,
   * a larger init container (with the sidecars started before it) wins, the overhead is added; -1 when
   * a container has none.
   */
  private static long effective(Pod pod, String resource, java.util.function.ToLongFunction<Container> amount) {
    long apps = 0;
    for (Container c : pod.getSpec().getContainers()) {
      long v = amount.applyAsLong(c);
      if (v < 0) {
        return -1;
      }
      apps += v;
    }
    long sidecars = 0;
    long initMax = 0;
    for (Container c : pod.getSpec().getInitContainers() == null ? List.<Container>of() : pod.getSpec().getInitContainers()) {
      long v = amount.applyAsLong(c);
      if (v < 0) {
        return -1;
      }
      if ("Always".equals(c.getRestartPolicy())) {
        sidecars += v;
        initMax = Math.max(initMax, sidecars);
      } else {
        initMax = Math.max(initMax, sidecars + v);
      }
    }
    long total = Math.max(apps + sidecars, initMax);
    Map<String, Quantity> overhead = pod.getSpec().getOverhead();
    if (overhead != null && overhead.get(resource) != null) {
      total += resource.equals("cpu") ? Quantities.milli(overhead.get(resource)) : Quantities.value(overhead.get(resource));
    }
    return total;
  }

  /** A container's limit (or request) of {@code resource} (milli for cpu), -1 when it sets none. */
  private static long quantity(Container c, boolean limit, String resource) {
    Map<String, Quantity> m = c.getResources() == null ? null
        : limit ? c.getResources().getLimits() : c.getResources().getRequests();
    Quantity q = m == null ? null : m.get(resource);
    if (q == null) {
      return -1;
    }
    return resource.equals("cpu") ? Quantities.milli(q) : Quantities.value(q);
  }

  /**
   * Creates the pod's cgroup {@code relative} (below this process's own) in the cpu and memory
   * hierarchies (v1) or the unified one (v2) and writes {@code limits} there, before any of the pod's
   * containers is in it.
   */
  public static void apply(String relative, Limits limits) throws IOException {
    Path v1cpu = v1("cpu", relative);
    Path v1mem = v1("memory", relative);
    if (v1cpu != null || v1mem != null) {
      if (v1cpu != null) {
        Files.createDirectories(v1cpu);
        write(v1cpu.resolve("cpu.shares"), Long.toString(limits.cpuShares()));
        write(v1cpu.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_US));
        write(v1cpu.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuQuotaUs()));
      }
      if (v1mem != null) {
        Files.createDirectories(v1mem);
        write(v1mem.resolve("memory.limit_in_bytes"), limits.memoryBytes() < 0 ? "-1" : Long.toString(limits.memoryBytes()));
      }
      return;
    }
    Path v2 = Path.of("/sys/fs/cgroup" + Cgroups.ownPath("") + "/" + relative);
    if (!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      return;
    }
    Files.createDirectories(v2);
    // the files exist only where the parent delegates the controller; the runtime enables it for containers
    long weight = 1 + (limits.cpuShares() - 2) * 9999 / 262142;
    writeIfPresent(v2.resolve("cpu.weight"), Long.toString(weight));
    writeIfPresent(v2.resolve("cpu.max"), (limits.cpuQuotaUs() < 0 ? "max" : Long.toString(limits.cpuQuotaUs())) + " " + PERIOD_US);
    writeIfPresent(v2.resolve("memory.max"), limits.memoryBytes() < 0 ? "max" : Long.toString(limits.memoryBytes()));
  }

  /** The v1 directory of {@code relative} in {@code controller}'s hierarchy, or null when it is not mounted as v1. */
  static Path v1(String controller, String relative) {
    Path mount = Path.of("/sys/fs/cgroup", controller);
    if (!Files.exists(mount.resolve("cgroup.procs")) || Files.exists(mount.resolve("cgroup.controllers"))) {
      return null;
    }
    return Path.of(mount + Cgroups.ownPath(controller) + "/" + relative);
  }

  private static void write(Path file, String value) throws IOException {
    Files.writeString(file, value);
  }

  private static void writeIfPresent(Path file, String value) throws IOException {
    if (Files.exists(file)) {
      Files.writeString(file, value);
    }
  }
}
