package io.jk.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jkportfwd NETNS PORT}, black box: it reaches the loopback of the network namespace it is
 * given (not the host's), relays both ways until the client's EOF has gone through, and reports
 * a refused connect as Kubernetes words it, with exit code 2.
 */
class PortForwardRelayTest {

  private final String netns = "jkpf-" + UUID.randomUUID().toString().substring(0, 8);
  private Process echo;
  private int port;

  private static Path relay() {
    return Path.of(System.getProperty("jk.runtime.bin", "target/bin")).resolve("jkportfwd").toAbsolutePath();
  }

  private record Result(int code, String out, String err) {}

  private static Result run(String stdin, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = relay().toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // it ended before reading its input (a refused connect)
    }
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "jkportfwd ends after the client's EOF");
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
  }

  @BeforeEach
  void echoServerInItsOwnNamespace() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "network namespaces need root");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // free on the host: the echo server listens only inside the namespace
    }
    sh("ip", "netns", "add", netns);
    sh("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
    echo = new ProcessBuilder("ip", "netns", "exec", netns, "busybox", "nc", "-ll", "-p", Integer.toString(port),
        "-e", "cat").start();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (echo != null) {
      echo.destroyForcibly();
      echo.waitFor(10, TimeUnit.SECONDS);
    }
    new ProcessBuilder("ip", "netns", "delete", netns).start().waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void relaysBothWaysInsideTheNamespace() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Result r = run("hello\nworld\n", "/run/netns/" + netns, Integer.toString(port));
      assertEquals(new Result(0, "hello\nworld\n", ""), r);
    });
  }

  @Test
  void aRefusedConnectIsReportedWithExitCode2() throws Exception {
    Result r = run("x", "/run/netns/" + netns, Integer.toString(port == 65535 ? 1 : port + 1));
    assertEquals(2, r.code());
    assertTrue(r.err().contains("connect: connection refused"), r.err());
    Result host = run("x", "/proc/self/ns/net", Integer.toString(port));
    assertEquals(2, host.code(), "the host's loopback is not the namespace's: " + host);
  }

  @Test
  void badArgumentsAreUsageErrors() throws Exception {
    assertEquals(1, run("", "/run/netns/" + netns, "0").code());
    assertEquals(1, run("", "/run/netns/" + netns).code());
    Result missing = run("", "/run/netns/no-such-" + netns, "80");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("open network namespace"), missing.err());
  }
}
