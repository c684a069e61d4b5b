package io.jk.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.testing.TestApiServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The jkctl daemon's life as a user meets it: the first command starts one and runs in a JVM of
 * its own, later ones use it; {@code daemon stop} ends it; a daemon of another build is not used
 * (and ends); a busy daemon makes the client run the command itself; an unsafe socket directory
 * is refused by client and daemon; an idle daemon ends by itself.
 */
class DaemonLifecycleTest {

  static TestApiServer api;
  JkctlBinary jk;

  @BeforeAll
  static void startServer() {
    api = TestApiServer.start();
    api.client().configMaps().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("seen").endMetadata().build()).create();
  }

  @AfterAll
  static void stopServer() {
    api.close();
  }

  @BeforeEach
  void fixture() throws Exception {
    jk = new JkctlBinary(api.kubeconfig());
  }

  @AfterEach
  void cleanUp() {
    jk.close();
  }

  @Test
  void firstCommandStartsADaemonThatLaterOnesUseAndStopEndsIt() throws Exception {
    JkctlBinary.Result first = jk.run("get", "cm", "-o", "name");
    assertFalse(first.byDaemon(), first::toString);
    assertEquals("configmap/seen\n", first.out(), first::toString);
    assertTrue(first.debug().contains("started a daemon"), first::toString);

    await().atMost(Duration.ofSeconds(60)).until(() -> jk.daemonPid().isPresent());
    long pid = jk.daemonPid().orElseThrow();
    jk.track(pid);
    JkctlBinary.Result later = jk.run("get", "cm", "-o", "name");
    assertEquals(pid, later.servedBy(), later::toString);
    assertEquals(first.out(), later.out());
    assertTrue(jk.status().out().contains("1 commands served"), () -> jk.status().toString());

    JkctlBinary.Result stop = jk.run("daemon", "stop");
    assertEquals(0, stop.exitCode(), stop::toString);
    assertEquals("jkctl daemon (pid " + pid + ") stopped\n", stop.out());
    // gone at once; reaped by its parent (init) moments later
    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertFalse(Files.exists(jk.daemonDir().resolve("sock")), "the socket is left behind");
    JkctlBinary.Result status = jk.status();
    assertEquals(1, status.exitCode(), status::toString);
    assertEquals("no jkctl daemon is running\n", status.out());
  }

  @Test
  void aDaemonOfAnotherBuildIsNotUsedAndEnds() throws Exception {
    long stale = jk.startDaemon(jk.launcher(jk.root.resolve("jvm-old"), "old-build"));
    assertTrue(jk.status().out().contains("build old-build"), () -> jk.status().toString());

    JkctlBinary.Result r = jk.run("get", "cm", "-o", "name");
    assertFalse(r.byDaemon(), r::toString);
    assertTrue(r.debug().contains("the daemon is build old-build"), r::toString);
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("configmap/seen\n", r.out(), r::toString);
    await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(stale).isEmpty()
        || !ProcessHandle.of(stale).get().isAlive());

    // the client started one of its own build in its place
    await().atMost(Duration.ofSeconds(60)).until(() -> jk.daemonPid().filter(p -> p != stale).isPresent());
    jk.track(jk.daemonPid().orElseThrow());
    assertFalse(jk.status().out().contains("old-build"), () -> jk.status().toString());
    JkctlBinary.Result again = jk.run("get", "cm", "-o", "name");
    assertTrue(again.byDaemon(), again::toString);
    assertEquals(r.out(), again.out());
  }

  @Test
  void aBusyDaemonMakesTheClientRunTheCommandItself() throws Exception {
    long pid = jk.startDaemon(jk.launcher, "--max-requests", "1");
    // a command that holds the daemon's only slot: it waits for its manifest on stdin
    Process held = jk.start(Map.of(), jk.work, "apply", "-f", "-");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> jk.status().out().contains("1 running"));
      JkctlBinary.Result meanwhile = jk.run("get", "cm", "-o", "name");
      assertFalse(meanwhile.byDaemon(), meanwhile::toString);
      assertTrue(meanwhile.debug().contains("busy"), meanwhile::toString);
      assertEquals("configmap/seen\n", meanwhile.out(), meanwhile::toString);
    } finally {
      try (OutputStream in = held.getOutputStream()) {
        in.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n".getBytes(StandardCharsets.UTF_8));
      }
    }
    JkctlBinary.Result done = jk.finish(held);
    assertEquals(pid, done.servedBy(), done::toString);
    assertEquals(0, done.exitCode(), done::toString);
    assertEquals("configmap/held created\n", done.out());
    api.client().configMaps().inNamespace("default").withName("held").delete();
  }

  @Test
  void aDaemonThatDoesNotAnswerIsGivenUpAndTheCommandRunsOnce() throws Exception {
    long pid = jk.startDaemon(jk.launcher);
    Files.writeString(jk.work.resolve("once.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: once}\n");
    signal("STOP", pid);
    JkctlBinary.Result r;
    try {
      r = jk.run("create", "-f", "once.yaml");
    } finally {
      signal("CONT", pid);
    }
    assertFalse(r.byDaemon(), r::toString);
    assertTrue(r.debug().contains("no answer from the daemon"), r::toString);
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("configmap/once created\n", r.out(), r::toString);
    // the daemon, awake again, finds the request given up and does not run it a second time
    await().atMost(Duration.ofSeconds(30)).until(() -> jk.status().exitCode() == 0);
    assertTrue(jk.status().out().contains(" 0 commands served"), () -> jk.status().toString());
    api.client().configMaps().inNamespace("default").withName("once").delete();
  }

  private static void signal(String sig, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
  }

  @Test
  void aSocketDirectoryOthersCouldEnterIsRefused() throws Exception {
    Path dir = Files.createDirectories(jk.daemonDir());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    JkctlBinary.Result r = jk.run("get", "cm", "-o", "name");
    assertFalse(r.byDaemon(), r::toString);
    assertTrue(r.debug().contains("refusing " + dir), r::toString);
    assertEquals("configmap/seen\n", r.out(), r::toString);
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.toList(), "the client used or started a daemon in an unsafe directory");
    }
    // the daemon refuses it as well
    Process p = new ProcessBuilder(jk.launcher.toString(), "daemon", "run", "--dir", dir.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("want rwx------"), out);
  }

  @Test
  void aSocketDirectoryOfAnotherUserIsRefused() throws Exception {
    Assumptions.assumeTrue(RealNode.isRoot(), "giving the directory to another user needs root");
    Path dir = Files.createDirectories(jk.daemonDir());
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(dir, "unix:uid", 65534);
    JkctlBinary.Result r = jk.run("get", "cm", "-o", "name");
    assertFalse(r.byDaemon(), r::toString);
    assertTrue(r.debug().contains("owner uid 65534"), r::toString);
    assertEquals("configmap/seen\n", r.out(), r::toString);
  }

  @Test
  void aDaemonWhoseSocketWasRemovedEnds() throws Exception {
    long pid = jk.startDaemon(jk.launcher);
    Files.delete(jk.daemonDir().resolve("sock"));
    ProcessHandle.of(pid).orElseThrow().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void anIdleDaemonEndsByItself() throws Exception {
    long pid = jk.startDaemon(jk.launcher, "--idle-timeout", "2s");
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertFalse(Files.exists(jk.daemonDir().resolve("sock")), "the socket is left behind");
  }
}
