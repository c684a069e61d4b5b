package io.jk.common.resources;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/**
 * A pod's effective resource requests, computed as Kubernetes does: the app containers'
 * requests summed, then the maximum with each init container (a sidecar init container, with
 * {@code restartPolicy: Always}, keeps running and so adds to everything after it), plus the
 * pod's overhead. The result counts one pod.
 */
public final class PodRequests {

  /** CPU the scheduler assumes for scoring when a container requests none (0.1 core). */
  public static final long DEFAULT_MILLI_CPU = 100;
  /** Memory the scheduler assumes for scoring when a container requests none (200 MiB). */
  public static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

  private PodRequests() {}

  /** The pod's effective requests (what must fit on a node). */
  public static Resources of(Pod pod) {
    return compute(pod, false);
  }

  /**
   * The requests used for scoring: like {@link #of} but a container requesting no cpu or no
   * memory counts {@link #DEFAULT_MILLI_CPU} / {@link #DEFAULT_MEMORY}, so that best-effort
   * pods still spread.
   */
  public static Resources nonZero(Pod pod) {
    return compute(pod, true);
  }

  private static Resources compute(Pod pod, boolean nonZero) {
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return new Resources(0, 0, 0, 1);
    }
    Resources apps = Resources.ZERO;
    for (Container c : list(spec.getContainers())) {
      apps = apps.plus(container(c, nonZero));
    }
    // Init containers run one after another before the app containers; sidecars keep running.
    Resources sidecars = Resources.ZERO;
    Resources initMax = Resources.ZERO;
    for (Container c : list(spec.getInitContainers())) {
      Resources r = container(c, nonZero);
      if ("Always".equals(c.getRestartPolicy())) {
        sidecars = sidecars.plus(r);
        initMax = initMax.max(sidecars);
      } else {
        initMax = initMax.max(sidecars.plus(r));
      }
    }
    Resources total = apps.plus(sidecars).max(initMax);
    if (spec.getOverhead() != null) {
      total = total.plus(fromMap(spec.getOverhead()));
    }
    return new Resources(total.cpuMilli(), total.memory(), total.ephemeralStorage(), 1,
        total.scalars());
  }

  private static Resources container(Container c, boolean nonZero) {
    ResourceRequirements rr = c.getResources();
    Map<String, Quantity> requests = rr == null ? null : rr.getRequests();
    Resources r = requests == null ? Resources.ZERO : fromMap(requests);
    if (nonZero) {
      boolean hasCpu = requests != null && requests.containsKey("cpu");
      boolean hasMem = requests != null && requests.containsKey("memory");
      r = new Resources(hasCpu ? r.cpuMilli() : DEFAULT_MILLI_CPU,
          hasMem ? r.memory() : DEFAULT_MEMORY, r.ephemeralStorage(), 0, r.scalars());
    }
    return r;
  }

  /**
   * cpu, memory, ephemeral-storage, pods and scalar resources ({@link #isScalar}) from a
   * resource map; other names are ignored.
   */
  public static Resources fromMap(Map<String, Quantity> m) {
    if (m == null) {
      return Resources.ZERO;
    }
    Map<String, Long> scalars = null;
    for (var e : m.entrySet()) {
      if (isScalar(e.getKey())) {
        if (scalars == null) {
          scalars = new java.util.HashMap<>();
        }
        scalars.put(e.getKey(), Quantities.value(e.getValue()));
      }
    }
    return new Resources(Quantities.milli(m.get("cpu")), Quantities.value(m.get("memory")),
        Quantities.value(m.get("ephemeral-storage")), Quantities.value(m.get("pods")), scalars);
  }

  /**
   * Kubernetes' scalar resources: extended resources (a domain outside kubernetes.io, e.g.
   * {@code nvidia.com/gpu}), {@code hugepages-*} and {@code attachable-volumes-*}.
   */
  public static boolean isScalar(String name) {
    if (name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")) {
      return true;
    }
    int slash = name.indexOf('/');
    if (slash <= 0) {
      return false;
    }
    String domain = name.substring(0, slash);
    return !(domain.equals("kubernetes.io") || domain.endsWith(".kubernetes.io")
        || domain.equals("requests"));
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
