package io.jk.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** cgroup limits a user notices: memory (OOM kill reported), pids (fork bomb stopped), CPU quota. */
class ResourcesTest {
  private Jkrt rt;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Jkrt.isRoot(), "jkrt needs root to create namespaces, mounts and cgroups");
    assumeTrue(Files.exists(Path.of("/sys/fs/cgroup/memory")), "these checks read cgroup v1 files");
    rt = new Jkrt();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (rt != null) rt.close();
  }

  private JsonNode state(String id) throws Exception {
    return Bundle.JSON.readTree(rt.jkrt("state", id).out());
  }

  private String startDetached(Bundle b) throws Exception {
    String id = rt.newId();
    Jkrt.assertOk(rt.jkrt("create", "--bundle", b.writeTo(rt.work).toString(), id));
    Jkrt.assertOk(rt.jkrt("start", id));
    return id;
  }

  @Test
  void memoryHogIsOomKilledAndReported() throws Exception {
    String id = startDetached(Bundle.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
        .memoryLimit(16 << 20));
    await().atMost(Duration.ofSeconds(10)).until(() -> state(id).get("status").asText().equals("stopped"));
    JsonNode st = state(id);
    assertTrue(st.get("oomKilled").asBoolean(), st.toString());
    Jkrt.assertOk(rt.jkrt("delete", id));
    rt.assertNothingLeft(id, 0);
  }

  @Test
  void forkBombStopsAtThePidsLimitWhileTheHostCanStillFork() throws Exception {
    String id = startDetached(Bundle.of("sh", "-c", "i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; sleep 30")
        .pidsLimit(20));
    Path pids = Jkrt.cgroupDir("pids", id);
    await().atMost(Duration.ofSeconds(10)).until(
        () -> Long.parseLong(Files.readString(pids.resolve("pids.events")).replaceAll("\\D", "")) > 0);
    long current = Long.parseLong(Files.readString(pids.resolve("pids.current")).trim());
    assertTrue(current <= 20, "pids.current=" + current);
    Jkrt.Result host = Jkrt.exec(java.util.List.of("/bin/true"));
    assertEquals(0, host.exit(), "the host still forks");
    Jkrt.assertOk(rt.jkrt("delete", "--force", id));
    rt.assertNothingLeft(id, 0);
  }

  @Test
  void cpuQuotaOfHalfACoreHoldsABusyLoopNearHalf() throws Exception {
    String id = startDetached(Bundle.of("sh", "-c", "while :; do :; done")
        // the highest weight so that on a loaded shared machine the quota, not contention, limits it
        .cpu(262_144, 50_000, 100_000));
    Path usage = Jkrt.cgroupDir("cpuacct", id).resolve("cpuacct.usage");
    Thread.sleep(300); // let the loop reach steady state before measuring
    long t0 = System.nanoTime();
    long u0 = Long.parseLong(Files.readString(usage).trim());
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
    long u1 = Long.parseLong(Files.readString(usage).trim());
    double cores = (double) (u1 - u0) / (System.nanoTime() - t0);
    // on a busy shared machine the loop may get less than its quota; it must never get more,
    // and the kernel must have throttled it (the quota, not contention, is what holds it)
    String stat = Files.readString(Jkrt.cgroupDir("cpu", id).resolve("cpu.stat"));
    long throttled = Long.parseLong(stat.replaceAll("(?s).*nr_throttled (\\d+).*", "$1"));
    assertTrue(cores < 0.6, "busy loop used " + cores + " cores under a 0.5 quota");
    assertTrue(cores > 0.35 || throttled > 0, "busy loop used " + cores + " cores, throttled " + throttled);
    assertTrue(throttled > 0, "the quota throttled the loop: " + stat);
    Jkrt.assertOk(rt.jkrt("delete", "--force", id));
    rt.assertNothingLeft(id, 0);
  }
}
