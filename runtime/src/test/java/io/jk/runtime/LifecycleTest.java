package io.jk.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** create/start/state/exec/pause/kill/delete as the kubelet drives them, and failures that leave nothing. */
class LifecycleTest {
  private Jkrt rt;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Jkrt.isRoot(), "jkrt needs root to create namespaces, mounts and cgroups");
    rt = new Jkrt();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (rt != null) rt.close();
  }

  private JsonNode state(String id) throws Exception {
    Jkrt.Result r = rt.jkrt("state", id);
    Jkrt.assertOk(r);
    return Bundle.JSON.readTree(r.out());
  }

  @Test
  void createWaitsUntilStartThenKillAndDeleteLeaveNothing() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Path pidFile = rt.work.resolve("pid");
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id));
    JsonNode st = state(id);
    assertEquals("created", st.get("status").asText());
    long pid = st.get("pid").asLong();
    assertEquals(String.valueOf(pid), Files.readString(pidFile).trim());
    // the process waits: it has not exec'd sleep yet
    assertNotEquals("sleep", Files.readString(Path.of("/proc/" + pid + "/comm")).trim());

    Jkrt.assertOk(rt.jkrt("start", id));
    await().atMost(Duration.ofSeconds(5)).until(
        () -> Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep"));
    assertEquals("running", state(id).get("status").asText());
    assertTrue(rt.jkrt("list").out().contains(id));

    Jkrt.Result refused = rt.jkrt("delete", id);
    assertEquals(1, refused.exit(), "a running container is not deleted without --force");

    Jkrt.assertOk(rt.jkrt("kill", id, "KILL"));
    await().atMost(Duration.ofSeconds(5)).until(() -> state(id).get("status").asText().equals("stopped"));
    Jkrt.assertOk(rt.jkrt("delete", id));
    rt.assertNothingLeft(id, pid);
    assertEquals(1, rt.jkrt("state", id).exit(), "state of a deleted container fails");
  }

  @Test
  void killAllReachesEveryProcessOfAContainerWithoutItsOwnPidNamespace() throws Exception {
    String id = rt.newId();
    // no pids limit: the container gets no pids cgroup, its processes are listed in the freezer's
    Path bundle = Bundle.of("sh", "-c", "sleep 1000 & sleep 1000 & wait").withoutNamespace("pid").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    Path procs = Jkrt.cgroupDir("freezer", id).resolve("cgroup.procs");
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.readAllLines(procs).size() == 3);
    java.util.List<String> pids = Files.readAllLines(procs);
    Jkrt.assertOk(rt.jkrt("kill", "--all", id, "KILL"));
    for (String p : pids) {
      await().atMost(Duration.ofSeconds(5)).until(() -> !Jkrt.running(Long.parseLong(p)));
    }
    Jkrt.assertOk(rt.jkrt("delete", id));
    rt.assertNothingLeft(id, 0);
  }

  @Test
  void forceDeleteOfARunningContainerLeavesNothing() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "sleep 1000 & sleep 1000").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    long pid = state(id).get("pid").asLong();
    Jkrt.assertOk(rt.jkrt("start", id));
    Jkrt.assertOk(rt.jkrt("delete", "--force", id));
    rt.assertNothingLeft(id, pid);
  }

  @Test
  void execJoinsTheContainersNamespacesAndCgroup() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    Jkrt.Result r = rt.jkrt("exec", "--env", "GREETING=hi", "--cwd", "/tmp", id, "--", "sh", "-c",
        "echo $GREETING; pwd; hostname; ps -o comm | grep -c sleep; cat /proc/self/cgroup | grep pids; "
            + "grep NoNewPrivs /proc/self/status; exit 7");
    assertEquals(7, r.exit(), r.toString());
    String[] l = r.out().trim().split("\n");
    assertEquals("hi", l[0]);
    assertEquals("/tmp", l[1]);
    assertEquals("jkrt-test", l[2]);
    assertEquals("1", l[3], "sees the container's own sleep: " + r.out());
    assertTrue(l[4].endsWith("/"), "inside the container's cgroup namespace root: " + l[4]);
    assertEquals("NoNewPrivs:\t1", l[5]);
    Jkrt.Result bad = rt.jkrt("exec", id, "--", "/no/such/binary");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("\"stage\":\"exec\""), bad.toString());
  }

  @Test
  void execWithTtyGivesTheProcessATerminalInsideTheContainer() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    Jkrt.Result r = rt.jkrtWithInput("tty; exit 5\n", "exec", "--tty", id, "sh");
    assertEquals(5, r.exit(), r.toString());
    assertTrue(r.out().contains("/dev/pts/0"), "the container's own devpts: " + r.out());
  }

  @Test
  void aTerminalProcessGetsItsTerminalThroughTheConsoleSocket() throws Exception {
    String id = rt.newId();
    Bundle b = Bundle.of("sh");
    ((com.fasterxml.jackson.databind.node.ObjectNode) b.spec.get("process")).put("terminal", true);
    Path bundle = b.writeTo(rt.work);
    Path sock = rt.work.resolve("console.sock");
    // the runc protocol: whoever listens gets the terminal's master over the socket
    Process recv = new ProcessBuilder(Jkrt.bin("recvtty").toString(), sock.toString(), "tty; exit 3\n")
        .redirectErrorStream(true).start();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(sock));
      Jkrt.Result r = rt.jkrt("run", "--console-socket", sock.toString(), "--bundle", bundle.toString(), id);
      assertEquals(3, r.exit(), r.toString());
      assertTrue(recv.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the terminal closed when sh exited");
      String shown = new String(recv.getInputStream().readAllBytes());
      assertTrue(shown.startsWith("tty /dev/pts/0\n"), "the master of the container's own devpts came: " + shown);
      assertTrue(shown.contains("\n/dev/pts/0\r\n"), "sh's stdin is that terminal: " + shown);
      rt.assertNothingLeft(id, 0);
    } finally {
      recv.destroyForcibly();
    }
    Jkrt.Result refused = rt.jkrt("run", "--bundle", bundle.toString(), rt.newId());
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("process.terminal needs --console-socket"), refused.toString());
  }

  @Test
  void execRunsFromASealedCopySoTheHostBinaryIsOutOfReach() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    Process exec = new ProcessBuilder(Jkrt.bin("jkrt").toString(), "--root", rt.root.toString(), "exec", id,
        "sleep", "3").redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      // CVE-2019-5736: what /proc/<pid>/exe of the runtime reaches is an anonymous sealed copy
      Path exe = Path.of("/proc/" + exec.pid() + "/exe");
      await().atMost(Duration.ofSeconds(5)).until(() -> Files.readSymbolicLink(exe).toString().contains("memfd:jkrt"));
      assertTrue(!Files.isWritable(exe) || !canOpenForWrite(exe), "the running runtime image cannot be written");
    } finally {
      exec.destroyForcibly().waitFor();
    }
  }

  private static boolean canOpenForWrite(Path p) {
    try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}));
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void pauseFreezesAndResumeThaws() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Jkrt.assertOk(rt.jkrt("create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    Jkrt.assertOk(rt.jkrt("pause", id));
    assertEquals("paused", state(id).get("status").asText());
    assertEquals("FROZEN", Files.readString(Jkrt.cgroupDir("freezer", id).resolve("freezer.state")).trim());
    Jkrt.assertOk(rt.jkrt("resume", id));
    assertEquals("running", state(id).get("status").asText());
  }

  @Test
  void impossibleSpecFailsWithOneLineJsonAndLeavesNothing() throws Exception {
    String id = rt.newId();
    Bundle b = Bundle.of("true");
    ((com.fasterxml.jackson.databind.node.ArrayNode) b.spec.get("mounts")).addObject()
        .put("destination", "/tmp/x").put("type", "nosuchfs").put("source", "none");
    Jkrt.Result r = rt.jkrt("create", "--bundle", b.writeTo(rt.work).toString(), id);
    assertEquals(1, r.exit());
    assertEquals(1, r.err().lines().count(), r.err());
    JsonNode err = Bundle.JSON.readTree(r.err());
    assertEquals("mounts", err.get("stage").asText());
    assertEquals("mount nosuchfs on /tmp/x: No such device", err.get("error").asText());
    rt.assertNothingLeft(id, 0);

    Bundle noArgs = Bundle.of();
    Jkrt.Result r2 = rt.jkrt("create", "--bundle", noArgs.writeTo(rt.work).toString(), id);
    assertEquals("spec", Bundle.JSON.readTree(r2.err()).get("stage").asText(), r2.toString());
    rt.assertNothingLeft(id, 0);

    Bundle badJoin = Bundle.of("true").joinNamespace("network", "/proc/999999999/ns/net");
    Jkrt.Result r3 = rt.jkrt("create", "--bundle", badJoin.writeTo(rt.work).toString(), id);
    assertEquals("namespaces", Bundle.JSON.readTree(r3.err()).get("stage").asText(), r3.toString());
    rt.assertNothingLeft(id, 0);
  }

  @Test
  void runDetachedCreatesAndStartsInOneCallAndReturns() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    Path pidFile = rt.work.resolve("pid");
    Jkrt.assertOk(rt.jkrt("run", "--detach", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id));
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    await().atMost(Duration.ofSeconds(5)).until(
        () -> Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("sleep"));
    assertEquals("running", state(id).get("status").asText());
    assertEquals(1, rt.jkrt("start", id).exit(), "already started: a second start is refused");
    Jkrt.assertOk(rt.jkrt("delete", "--force", id));
    rt.assertNothingLeft(id, pid);
  }

  @Test
  void aNewNetworkNamespaceHasLoopbackUp() throws Exception {
    // as runc does: no CNI loopback plugin (one exec per pod) needed; flags 0x9 = IFF_UP | IFF_LOOPBACK
    Jkrt.Result r = rt.jkrt("run", "--bundle", Bundle.of("cat", "/sys/class/net/lo/flags").writeTo(rt.work).toString(),
        rt.newId());
    Jkrt.assertOk(r);
    assertEquals("0x9", r.out().trim());
  }

  @Test
  void runReturnsTheExitCodeOfTheProcess() throws Exception {
    String id = rt.newId();
    Jkrt.Result r = rt.jkrt("run", "--bundle", Bundle.of("sh", "-c", "exit 42").writeTo(rt.work).toString(), id);
    assertEquals(42, r.exit(), r.toString());
    rt.assertNothingLeft(id, 0);
  }
}
