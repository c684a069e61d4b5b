package io.jk.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.kubelet.container.ContainerState;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The kubelet's getPhase rules, table-driven. */
class PodPhaseTest {
  static ContainerView running() {
    return view(new ContainerState(ContainerState.Status.RUNNING, -1, null, null, Instant.now(), null, 1), null);
  }

  static ContainerView exited(int code) {
    return view(new ContainerState(ContainerState.Status.EXITED, code, code == 0 ? "Completed" : "Error", null,
        Instant.now(), Instant.now(), 1), null);
  }

  static ContainerView waiting() {
    return view(null, "ContainerCreating");
  }

  static ContainerView view(ContainerState st, String waiting) {
    return new ContainerView("c", false, st == null ? -1 : 0, st, null, waiting, null, true, true, "i", "", "id");
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("a container not started yet keeps the pod Pending", List.of(running(), waiting()), "Always", "Pending"),
        Arguments.of("all running is Running", List.of(running(), running()), "Never", "Running"),
        Arguments.of("one running, one exited is Running", List.of(running(), exited(1)), "Never", "Running"),
        Arguments.of("all exited 0 under Never is Succeeded", List.of(exited(0), exited(0)), "Never", "Succeeded"),
        Arguments.of("one failure under Never is Failed", List.of(exited(0), exited(2)), "Never", "Failed"),
        Arguments.of("all exited 0 under OnFailure is Succeeded", List.of(exited(0)), "OnFailure", "Succeeded"),
        Arguments.of("a failure under OnFailure will restart: Running", List.of(exited(1)), "OnFailure", "Running"),
        Arguments.of("anything exited under Always will restart: Running", List.of(exited(0)), "Always", "Running"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void phase(String name, List<ContainerView> app, String restartPolicy, String want) {
    assertEquals(want, PodStatusBuilder.phase(app, restartPolicy));
  }
}
