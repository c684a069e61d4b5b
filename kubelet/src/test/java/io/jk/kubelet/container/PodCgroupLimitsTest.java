package io.jk.kubelet.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The pod-level cgroup limits derived from a pod's containers (pure). */
class PodCgroupLimitsTest {
  static final long MI = 1024 * 1024;

  static Container c(String name, String cpuReq, String cpuLim, String memLim) {
    var r = new ContainerBuilder().withName(name).withImage("i").withNewResources();
    if (cpuReq != null) {
      r.addToRequests("cpu", new Quantity(cpuReq));
    }
    if (cpuLim != null) {
      r.addToLimits("cpu", new Quantity(cpuLim));
    }
    if (memLim != null) {
      r.addToLimits("memory", new Quantity(memLim));
    }
    return r.endResources().build();
  }

  static Container sidecar(Container c) {
    c.setRestartPolicy("Always");
    return c;
  }

  static Pod pod(List<Container> inits, List<Container> apps, Map<String, Quantity> overhead) {
    return new PodBuilder().withNewSpec().withInitContainers(inits).withContainers(apps).withOverhead(overhead).endSpec().build();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("best effort: minimum shares, no limits", pod(List.of(), List.of(c("a", null, null, null)), null),
            new PodCgroup.Limits(2, -1, -1)),
        Arguments.of("limits of every container add up (requests default to limits)", pod(List.of(),
            List.of(c("a", null, "200m", "64Mi"), c("b", null, "300m", "32Mi")), null), new PodCgroup.Limits(512, 50_000, 96 * MI)),
        Arguments.of("one container without a memory limit: no pod memory limit", pod(List.of(),
            List.of(c("a", "100m", "200m", "64Mi"), c("b", "100m", "300m", null)), null), new PodCgroup.Limits(204, 50_000, -1)),
        Arguments.of("a larger init container sets the limit", pod(List.of(c("init", null, "1", "256Mi")),
            List.of(c("a", null, "200m", "64Mi")), null), new PodCgroup.Limits(1024, 100_000, 256 * MI)),
        Arguments.of("sidecars add to the app containers", pod(List.of(sidecar(c("side", null, "100m", "16Mi"))),
            List.of(c("a", null, "200m", "64Mi")), null), new PodCgroup.Limits(307, 30_000, 80 * MI)),
        Arguments.of("the pod overhead is added", pod(List.of(), List.of(c("a", null, "200m", "64Mi")),
            Map.of("cpu", new Quantity("50m"), "memory", new Quantity("8Mi"))), new PodCgroup.Limits(256, 25_000, 72 * MI)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void limits(String name, Pod pod, PodCgroup.Limits want) {
    assertEquals(want, PodCgroup.of(pod));
  }
}
