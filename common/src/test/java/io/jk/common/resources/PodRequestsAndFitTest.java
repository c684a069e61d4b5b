package io.jk.common.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodRequestsAndFitTest {

  static Container c(String cpu, String mem) {
    ContainerBuilder b = new ContainerBuilder().withName("c").withImage("i");
    b.withNewResources().addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(mem)).endResources();
    return b.build();
  }

  static Container sidecar(String cpu, String mem) {
    Container s = c(cpu, mem);
    s.setRestartPolicy("Always");
    return s;
  }

  static Pod pod(List<Container> apps, List<Container> inits, Map<String, Quantity> overhead) {
    return new PodBuilder().withNewMetadata().withName("p").endMetadata()
        .withNewSpec().withContainers(apps).withInitContainers(inits).withOverhead(overhead)
        .endSpec().build();
  }

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of("app containers are summed",
            pod(List.of(c("100m", "1Mi"), c("200m", "2Mi")), List.of(), null),
            new Resources(300, 3L << 20, 0, 1)),
        Arguments.of("init container fits because it's the max, not the sum",
            pod(List.of(c("100m", "1Mi")), List.of(c("500m", "1Mi"), c("200m", "1Mi")), null),
            new Resources(500, 1L << 20, 0, 1)),
        Arguments.of("a sidecar init container adds to the app containers",
            pod(List.of(c("100m", "1Mi")), List.of(sidecar("50m", "1Mi")), null),
            new Resources(150, 2L << 20, 0, 1)),
        Arguments.of("overhead is added on top",
            pod(List.of(c("100m", "1Mi")), List.of(), Map.of("cpu", new Quantity("10m"))),
            new Resources(110, 1L << 20, 0, 1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void requests(String name, Pod pod, Resources want) {
    assertEquals(want, PodRequests.of(pod));
  }

  @Test
  void aContainerWithoutRequestsCountsDefaultsForScoringOnly() {
    Pod p = pod(List.of(new ContainerBuilder().withName("c").build()), List.of(), null);
    assertEquals(new Resources(0, 0, 0, 1), PodRequests.of(p));
    assertEquals(new Resources(100, 200L << 20, 0, 1), PodRequests.nonZero(p));
  }

  @Test
  void extendedResourcesAreScalarsAndSummedAcrossContainers() {
    Container gpu = c("100m", "1Mi");
    gpu.getResources().getRequests().put("nvidia.com/gpu", new Quantity("1"));
    gpu.getResources().getRequests().put("hugepages-2Mi", new Quantity("4Mi"));
    Pod p = pod(List.of(gpu, gpu), List.of(), null);
    Resources r = PodRequests.of(p);
    assertEquals(2L, r.scalar("nvidia.com/gpu"));
    assertEquals(8L << 20, r.scalar("hugepages-2Mi"));
    assertEquals(false, PodRequests.isScalar("kubernetes.io/something"));
    assertEquals(false, PodRequests.isScalar("cpu"));
  }

  @Test
  void allocatableFallsBackToCapacity() {
    var node = new NodeBuilder().withNewStatus()
        .addToCapacity("cpu", new Quantity("4")).addToCapacity("memory", new Quantity("16Gi"))
        .addToCapacity("pods", new Quantity("110")).endStatus().build();
    assertEquals(new Resources(4000, 16L << 30, 0, 110), NodeAllocatable.of(node));
  }

  static Stream<Arguments> fit() {
    Resources node = new Resources(4000, 8L << 30, 0, 3);
    return Stream.of(
        Arguments.of("a pod fits on an empty node", new Resources(1000, 1L << 30, 0, 1), node,
            Resources.ZERO, List.of()),
        Arguments.of("a pod asking more cpu than left is insufficient cpu",
            new Resources(1500, 1, 0, 1), node, new Resources(3000, 0, 0, 1),
            List.of("Insufficient cpu")),
        Arguments.of("exactly the rest fits", new Resources(1000, 0, 0, 1), node,
            new Resources(3000, 0, 0, 1), List.of()),
        Arguments.of("a full node says too many pods first", new Resources(5000, 9L << 30, 0, 1),
            node, new Resources(0, 0, 0, 3),
            List.of("Too many pods", "Insufficient cpu", "Insufficient memory")),
        Arguments.of("a pod requesting nothing fits even on an overcommitted node",
            new Resources(0, 0, 0, 1), node, new Resources(9000, 99L << 30, 0, 0), List.of()),
        Arguments.of("ephemeral storage is checked", new Resources(0, 0, 10, 1), node,
            Resources.ZERO, List.of("Insufficient ephemeral-storage")),
        Arguments.of("a GPU pod does not fit on a node without GPUs",
            new Resources(0, 0, 0, 1, Map.of("nvidia.com/gpu", 1L)), node, Resources.ZERO,
            List.of("Insufficient nvidia.com/gpu")),
        Arguments.of("a GPU pod fits while a GPU is free",
            new Resources(0, 0, 0, 1, Map.of("nvidia.com/gpu", 1L)),
            new Resources(4000, 8L << 30, 0, 3, Map.of("nvidia.com/gpu", 2L)),
            new Resources(0, 0, 0, 1, Map.of("nvidia.com/gpu", 1L)), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void fit(String name, Resources pod, Resources alloc, Resources requested, List<String> want) {
    assertEquals(want, Fit.check(pod, alloc, requested));
  }
}
