package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup v2 backend on a real cgroup2 hierarchy: a hybrid host's {@code /sys/fs/cgroup/unified}
 * (no controllers, but real placement, cgroup.kill and namespaces), selected with
 * {@code --cgroup2-root}. The process is born in its cgroup (clone3 CLONE_INTO_CGROUP).
 */
class CgroupV2HybridTest {
  private static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
  private Jkrt rt;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Jkrt.isRoot(), "jkrt needs root to create namespaces, mounts and cgroups");
    assumeTrue(Files.exists(UNIFIED.resolve("cgroup.procs")), "a cgroup2 hierarchy at " + UNIFIED + " (hybrid host)");
    assumeTrue(Files.readAllLines(Path.of("/proc/self/cgroup")).contains("0::/"),
        "this process at the root of the v2 hierarchy, so the container's cgroup is below our own");
    rt = new Jkrt();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (rt != null) rt.close();
  }

  @Test
  void theProcessStartsInItsOwnV2CgroupAndDeleteRemovesIt() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "grep '^0::' /proc/self/cgroup; exec sleep 1000").writeTo(rt.work);
    Path log = rt.work.resolve("out");
    Jkrt.Result created = Jkrt.exec(java.util.List.of("sh", "-c", "exec \"$@\" > " + log, "sh",
        Jkrt.bin("jkrt").toString(), "--root", rt.root.toString(), "--cgroup2-root", UNIFIED.toString(),
        "create", "--bundle", bundle.toString(), id));
    Jkrt.assertOk(created);
    long pid = Bundle.JSON.readTree(rt.jkrt("state", id).out()).get("pid").asLong();
    Path dir = UNIFIED.resolve(id);
    assertEquals(String.valueOf(pid), Files.readString(dir.resolve("cgroup.procs")).trim(),
        "the created process is in the container's v2 cgroup before it runs anything");
    Jkrt.assertOk(rt.jkrt("start", id));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> Files.readString(log).contains("0::"));
    assertEquals("0::/", Files.readString(log).trim(), "the root of its own cgroup namespace");
    Jkrt.Result exec = rt.jkrt("exec", id, "sh", "-c", "grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.procs");
    Jkrt.assertOk(exec);
    String[] l = exec.out().trim().split("\n");
    assertEquals("0::/", l[0], "exec joins the container's cgroup and cgroup namespace: " + exec);
    assertEquals(3, l.length, "the container's cgroup holds its sleep and the exec'd process (sh, become cat): " + exec);
    Jkrt.assertOk(rt.jkrt("delete", "--force", id));
    assertFalse(Files.exists(dir), "the v2 cgroup is removed");
    assertFalse(Files.exists(rt.root.resolve(id)), "the state is removed");
    assertFalse(Jkrt.running(pid), "the process is gone");
  }

  @Test
  void runOnV2ReturnsTheExitCodeAndLeavesNothing() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "exit 3").writeTo(rt.work);
    Jkrt.Result r = rt.jkrt("--cgroup2-root", UNIFIED.toString(), "run", "--bundle", bundle.toString(), id);
    assertEquals(3, r.exit(), r.toString());
    assertFalse(Files.exists(UNIFIED.resolve(id)));
    assertTrue(Files.notExists(rt.root.resolve(id)));
  }
}
