package io.jk.controllers.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which failed creates may still land on the server (so their expectation must stay). */
class WriteOutcomeTest {

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("client gave up waiting (request timeout)",
            new KubernetesClientException("request timed out", new java.util.concurrent.TimeoutException("10000 ms")), true),
        Arguments.of("socket read timed out", new KubernetesClientException("io", new java.net.SocketTimeoutException()), true),
        Arguments.of("server answered 504 Timeout", new KubernetesClientException(new StatusBuilder().withCode(504)
            .withReason("Timeout").build()), true),
        Arguments.of("conflict created nothing", new KubernetesClientException(new StatusBuilder().withCode(409)
            .withReason("AlreadyExists").build()), false),
        Arguments.of("invalid pod created nothing", new KubernetesClientException(new StatusBuilder().withCode(422)
            .withReason("Invalid").build()), false),
        Arguments.of("connection refused reached no server", new KubernetesClientException("io",
            new java.net.ConnectException("Connection refused")), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void timeoutsMayStillApplyOtherFailuresDoNot(String name, KubernetesClientException e, boolean want) {
    assertEquals(want, WriteOutcome.mayStillApply(e));
  }
}
