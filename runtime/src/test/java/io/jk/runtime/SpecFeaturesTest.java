package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Parts of config.json beyond isolation: user switch, rlimits, sysctl, seccomp, bind mounts. */
class SpecFeaturesTest {
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

  private Jkrt.Result run(Bundle b) throws Exception {
    String id = rt.newId();
    Jkrt.Result r = rt.jkrt("run", "--bundle", b.writeTo(rt.work).toString(), id);
    rt.assertNothingLeft(id, 0);
    return r;
  }

  private static ObjectNode process(Bundle b) {
    return (ObjectNode) b.spec.get("process");
  }

  @Test
  void userSwitchDropsPrivilegesAndKeepsSupplementaryGroups() throws Exception {
    Bundle b = Bundle.of("sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status 2>&1");
    ObjectNode user = process(b).putObject("user").put("uid", 1000).put("gid", 1000);
    user.putArray("additionalGids").add(1001).add(1002);
    Jkrt.Result r = run(b);
    String[] l = r.out().trim().split("\n");
    assertEquals("1000", l[0], r.toString());
    assertEquals("1000", l[1]);
    assertEquals("1000 1001 1002", l[2]);
    assertEquals("CapEff:\t0000000000000000", l[3], "a non-root user keeps no effective capability");
  }

  @Test
  void signalsTheCallerIgnoredAreNotIgnoredInTheContainer() throws Exception {
    String id = rt.newId();
    String bundle = Bundle.of("grep", "SigIgn", "/proc/self/status").writeTo(rt.work).toString();
    // a caller such as a shell script may ignore SIGPIPE and SIGHUP; execve keeps ignored signals
    Jkrt.Result r = Jkrt.exec(List.of("sh", "-c", "trap '' PIPE HUP INT; exec \"$0\" \"$@\"",
        Jkrt.bin("jkrt").toString(), "--root", rt.root.toString(), "run", "--bundle", bundle, id));
    assertEquals("SigIgn:\t0000000000000000", r.out().trim(), r.toString());
    rt.assertNothingLeft(id, 0);
  }

  @Test
  void rlimitsAndSysctlsApplyInsideOnly() throws Exception {
    Bundle b = Bundle.of("sh", "-c", "ulimit -n; cat /proc/sys/net/ipv4/ip_forward");
    process(b).putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 321).put("soft", 123);
    b.linux().putObject("sysctl").put("net.ipv4.ip_forward", "1");
    Jkrt.Result r = run(b);
    assertEquals("123\n1", r.out().trim(), r.toString());
  }

  @Test
  void seccompProfileDeniesTheListedSyscalls() throws Exception {
    Bundle b = Bundle.of("sh", "-c", "mkdir /tmp/a 2>&1; echo rc=$?; unshare -n true 2>&1; echo rc=$?; echo alive");
    ObjectNode sec = b.linux().putObject("seccomp");
    sec.put("defaultAction", "SCMP_ACT_ALLOW");
    sec.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
    ObjectNode rule = ((ArrayNode) sec.putArray("syscalls")).addObject();
    rule.put("action", "SCMP_ACT_ERRNO");
    ArrayNode names = rule.putArray("names");
    List.of("mkdir", "mkdirat", "unshare", "keyctl", "add_key", "kexec_load", "bpf").forEach(names::add);
    Jkrt.Result r = run(b);
    Jkrt.assertOk(r);
    assertTrue(r.out().contains("Operation not permitted"), r.toString());
    assertEquals(2, r.out().lines().filter(l -> l.equals("rc=1")).count(), r.toString());
    assertTrue(r.out().contains("alive"));
  }

  @Test
  void readOnlyBindMountOfAHostDirectory() throws Exception {
    java.nio.file.Path shared = java.nio.file.Files.createDirectories(rt.work.resolve("shared"));
    java.nio.file.Files.writeString(shared.resolve("hello.txt"), "from-host");
    Bundle b = Bundle.of("sh", "-c", "cat /data/hello.txt; echo; touch /data/new 2>&1");
    ObjectNode m = ((ArrayNode) b.spec.get("mounts")).addObject()
        .put("destination", "/data").put("type", "bind").put("source", shared.toString());
    m.putArray("options").add("rbind").add("ro").add("nosuid");
    Jkrt.Result r = run(b);
    assertTrue(r.out().startsWith("from-host"), r.toString());
    assertTrue(r.out().contains("Read-only file system"), r.toString());
  }

  @Test
  void deviceRulesOfTheSpecApplyAfterTheDefaults() throws Exception {
    assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/devices")), "v1 devices controller");
    Bundle b = Bundle.of("sh", "-c", "echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c");
    ArrayNode rules = b.resources().putArray("devices");
    rules.addObject().put("allow", false).put("access", "rwm"); // containerd's first rule
    rules.addObject().put("allow", false).put("type", "c").put("major", 1).put("minor", 5).put("access", "rwm");
    Jkrt.Result r = run(b);
    assertTrue(r.out().startsWith("null-ok"), r.toString());
    assertTrue(r.err().contains("/dev/zero: Operation not permitted"), r.toString());
  }
}
