package io.jk.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jk server} exits non-zero with the reason when a component or its dependency fails. */
class ServerFailureTest {

  @TempDir
  Path dir;

  @Test
  void exitsNonZeroWhenItsEtcdDies() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")), "needs Debian's etcd-server");
    int clientPort = JkProcess.freePort();
    int peerPort = JkProcess.freePort();
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    Process etcd = new ProcessBuilder(List.of("/usr/bin/etcd", "--name", "jk-test", "--data-dir", dir.resolve("etcd").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer, "--initial-cluster", "jk-test=" + peer, "--log-level", "error"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
    try (JkProcess server = JkProcess.server(dir.resolve("server"), "--etcd-servers", client,
        "--store-outage-limit", "3s")) {
      server.awaitReady();
      etcd.destroy();
      assertTrue(etcd.waitFor(20, TimeUnit.SECONDS));
      assertEquals(1, server.waitFor(Duration.ofSeconds(60)));
      assertTrue(server.stderr().contains("error: apiserver: the store has not answered"), server.stderr());
    } finally {
      etcd.destroyForcibly();
      etcd.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void exitsNonZeroWhenThePortIsTaken() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        JkProcess server = JkProcess.start("server", "--disable-agent", "--data-dir", dir.resolve("server").toString(),
            "--bind-address", "127.0.0.1", "--secure-port", String.valueOf(taken.getLocalPort()),
            "--controller-manager-port", "0")) {
      assertEquals(1, server.waitFor(Duration.ofSeconds(60)));
      assertTrue(server.stderr().contains("error: apiserver failed to start"), server.stderr());
    }
  }

  @Test
  void stopsCleanlyOnSigterm() throws Exception {
    try (JkProcess server = JkProcess.server(dir.resolve("server")).awaitReady()) {
      // as systemd or Ctrl-C would: SIGTERM to the PID
      assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(server.process().pid())).start().waitFor());
      int rc = server.waitFor(Duration.ofSeconds(40));
      // the JVM reports SIGTERM as 143 after the shutdown hook let every component stop
      assertEquals(143, rc);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertTrue(server.stderr().contains("Stopped component=apiserver"), server.stderr()));
    }
  }
}
