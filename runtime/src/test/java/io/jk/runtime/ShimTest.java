package io.jk.runtime;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** jkshim: CRI logs, exit file, delete on exit, surviving its caller, any OCI runtime. */
class ShimTest {
  private static final Pattern CRI_LINE =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (stdout|stderr) [FP] .*");
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

  private List<String> shimArgs(String id, Path bundle, String... extra) {
    List<String> cmd = new ArrayList<>(List.of(Jkrt.bin("jkshim").toString(), "--id", id,
        "--bundle", bundle.toString(), "--log", bundle.resolve("ctr.log").toString(),
        "--exit-file", bundle.resolve("exit.json").toString(), "--root", rt.root.toString()));
    cmd.addAll(List.of(extra));
    return cmd;
  }

  private JsonNode startShim(String id, Path bundle, String... extra) throws Exception {
    Jkrt.Result r = Jkrt.exec(shimArgs(id, bundle, extra));
    Jkrt.assertOk(r);
    JsonNode pids = Bundle.JSON.readTree(r.out());
    rt.track(pids.get("shimPid").asLong());
    return pids;
  }

  private JsonNode awaitExit(Path bundle) throws Exception {
    Path exit = bundle.resolve("exit.json");
    await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(exit));
    return Bundle.JSON.readTree(exit.toFile());
  }

  @Test
  void copiesOutputInCriFormatAndWritesTheExitStatusThenDeletes() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "echo out; echo err >&2; printf partial; exit 3").writeTo(rt.work);
    JsonNode pids = startShim(id, bundle);
    JsonNode exit = awaitExit(bundle);
    assertEquals(3, exit.get("exitCode").asInt(), exit.toString());
    assertEquals(false, exit.get("oomKilled").asBoolean());
    assertTrue(exit.get("finishedAt").asText().compareTo(exit.get("startedAt").asText()) >= 0);
    await().atMost(Duration.ofSeconds(5)).until(() -> !Jkrt.running(pids.get("shimPid").asLong()));
    List<String> log = Files.readAllLines(bundle.resolve("ctr.log"));
    log.forEach(l -> assertTrue(CRI_LINE.matcher(l).matches(), "CRI log line: " + l));
    assertTrue(log.stream().anyMatch(l -> l.endsWith(" stdout F out")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.endsWith(" stderr F err")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.endsWith(" stdout F partial")), log.toString());
    rt.assertNothingLeft(id, pids.get("containerPid").asLong());
  }

  @Test
  void aGatedStartWaitsForTheCallersByteAndItsAbsenceRemovesTheContainer() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "echo ran; exit 4").writeTo(rt.work);
    Process p = new ProcessBuilder(shimArgs(id, bundle, "--start-gate", "stdin")).redirectErrorStream(true).start();
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    JsonNode created = Bundle.JSON.readTree(out.readLine());
    long pid = created.get("containerPid").asLong();
    assertTrue(created.get("created").asBoolean(), created.toString());
    assertTrue(p.isAlive(), "waits for the gate");
    assertTrue(Jkrt.running(pid), "created");
    assertTrue(!Files.exists(bundle.resolve("exit.json")) && Files.readAllLines(bundle.resolve("ctr.log")).isEmpty(),
        "the process has not run yet");
    p.getOutputStream().write('g');
    p.getOutputStream().close();
    JsonNode started = Bundle.JSON.readTree(out.readLine());
    assertEquals(0, p.waitFor());
    rt.track(started.get("shimPid").asLong());
    assertEquals(pid, started.get("containerPid").asLong());
    assertEquals(4, awaitExit(bundle).get("exitCode").asInt());
    assertTrue(Files.readString(bundle.resolve("ctr.log")).contains("stdout F ran"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !Jkrt.running(started.get("shimPid").asLong()));
    rt.assertNothingLeft(id, pid);

    // the caller goes away before opening the gate: nothing is left, the process never ran
    String id2 = rt.newId();
    Path bundle2 = Bundle.of("sh", "-c", "echo ran; exit 4").writeTo(rt.work);
    Process p2 = new ProcessBuilder(shimArgs(id2, bundle2, "--start-gate", "stdin")).redirectErrorStream(true).start();
    var out2 = new java.io.BufferedReader(new java.io.InputStreamReader(p2.getInputStream()));
    long pid2 = Bundle.JSON.readTree(out2.readLine()).get("containerPid").asLong();
    p2.getOutputStream().close();
    assertEquals(1, p2.waitFor());
    assertTrue(out2.readLine().contains("start cancelled"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !Jkrt.running(pid2));
    assertTrue(!Files.exists(bundle2.resolve("exit.json")) && Files.readAllLines(bundle2.resolve("ctr.log")).isEmpty(),
        "a cancelled start leaves no exit status and no output");
    rt.assertNothingLeft(id2, pid2);
  }

  @Test
  void containerAndShimSurviveTheirCallerBeingKilled() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sleep", "1000").writeTo(rt.work);
    List<String> shim = shimArgs(id, bundle);
    // the caller (a stand-in for the kubelet) starts the shim, then lingers
    Process caller = new ProcessBuilder("sh", "-c", String.join(" ", shim) + " > /dev/null; sleep 100").start();
    Path shimPidFile = bundle.resolve("shim.pid");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(shimPidFile));
    long shimPid = Long.parseLong(Files.readString(shimPidFile).trim());
    rt.track(shimPid);
    caller.destroyForcibly().waitFor();
    long containerPid = Long.parseLong(Files.readString(bundle.resolve("container.pid")).trim());
    assertTrue(Jkrt.running(shimPid), "shim survives");
    assertEquals("running", Bundle.JSON.readTree(rt.jkrt("state", id).out()).get("status").asText());
    // the container's parent is the shim
    String stat = Files.readString(Path.of("/proc/" + containerPid + "/stat"));
    assertEquals(String.valueOf(shimPid), stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);

    Jkrt.assertOk(rt.jkrt("kill", id, "KILL"));
    JsonNode exit = awaitExit(bundle);
    assertEquals(137, exit.get("exitCode").asInt());
    assertEquals(9, exit.get("signal").asInt());
    await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(rt.root.resolve(id)));
    rt.assertNothingLeft(id, containerPid);
  }

  @Test
  void oomKillIsRecordedInTheExitFile() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
        .memoryLimit(16 << 20).writeTo(rt.work);
    startShim(id, bundle);
    JsonNode exit = awaitExit(bundle);
    assertTrue(exit.get("oomKilled").asBoolean(), exit.toString());
    assertEquals(137, exit.get("exitCode").asInt());
  }

  @Test
  void logIsRotatedAtItsSizeCap() throws Exception {
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "for i in $(seq 40); do echo line-$i; done").writeTo(rt.work);
    startShim(id, bundle, "--log-max-size", "1000");
    awaitExit(bundle);
    assertTrue(Files.size(bundle.resolve("ctr.log")) <= 1000);
    assertTrue(Files.exists(bundle.resolve("ctr.log.1")), "rotated file");
    assertTrue(Files.readString(bundle.resolve("ctr.log")).contains("stdout F line-40"));
  }

  @Test
  void runcWorksThroughTheSameShim() throws Exception {
    Path runc = Path.of("/usr/sbin/runc");
    assumeTrue(Files.isExecutable(runc), "runc is not installed");
    String id = rt.newId();
    Path bundle = Bundle.of("sh", "-c", "echo from-runc; hostname").writeTo(rt.work);
    Path runcRoot = Files.createDirectories(rt.work.resolve("runc-root"));
    Jkrt.Result r = Jkrt.exec(List.of(Jkrt.bin("jkshim").toString(), "--id", id, "--bundle", bundle.toString(),
        "--log", bundle.resolve("ctr.log").toString(), "--exit-file", bundle.resolve("exit.json").toString(),
        "--runtime", runc.toString(), "--root", runcRoot.toString()));
    Jkrt.assertOk(r);
    rt.track(Bundle.JSON.readTree(r.out()).get("shimPid").asLong());
    JsonNode exit = awaitExit(bundle);
    assertEquals(0, exit.get("exitCode").asInt(), exit.toString());
    String log = Files.readString(bundle.resolve("ctr.log"));
    assertTrue(log.contains("stdout F from-runc") && log.contains("stdout F jkrt-test"), log);
    await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(runcRoot.resolve(id)));
  }
}
