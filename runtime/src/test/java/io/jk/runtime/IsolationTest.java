package io.jk.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a process inside a jkrt container sees: its own PID 1, hostname, filesystem and privileges. */
class IsolationTest {
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

  @Test
  void processIsPidOneWithOwnHostnameAndNoHostProcesses() throws Exception {
    Jkrt.Result r = run(Bundle.of("sh", "-c", "echo pid=$$; hostname; ls /proc | grep '^[0-9]' | sort -n | tail -n 1"));
    Jkrt.assertOk(r);
    String[] lines = r.out().trim().split("\n");
    assertEquals("pid=1", lines[0]);
    assertEquals("jkrt-test", lines[1]);
    assertTrue(Integer.parseInt(lines[2]) < 10, "no host process is visible, highest pid seen: " + lines[2]);
  }

  @Test
  void hostFilesAreInvisibleAndRootIsPivoted() throws Exception {
    Path marker = Files.writeString(rt.work.resolve("host-only-marker"), "secret");
    Jkrt.Result r = run(Bundle.of("sh", "-c", "cat " + marker + " 2>&1; awk '{print $5}' /proc/self/mountinfo"));
    String[] lines = r.out().trim().split("\n");
    assertTrue(lines[0].contains("No such file"), r.toString());
    for (int i = 1; i < lines.length; i++) {
      String mp = lines[i];
      assertTrue(mp.equals("/") || mp.startsWith("/proc") || mp.startsWith("/dev") || mp.startsWith("/sys")
          || mp.equals("/tmp"), "only the container's own mounts are visible (old root detached), saw " + mp);
    }
  }

  @Test
  void maskedFilesReadEmptyAndMaskedDirectoriesListEmpty() throws Exception {
    Jkrt.Result r = run(Bundle.of("sh", "-c",
        "wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l; ls /proc/acpi | wc -l; "
            + "rm /proc/timer_list 2>&1; umount /proc/keys 2>&1; "
            + "for d in /proc/acpi /sys/firmware; do touch $d/x 2>&1 | grep -c 'Read-only file system'; done; echo done"));
    String[] l = r.out().trim().split("\n");
    assertEquals("0", l[0].trim(), r.toString());
    assertEquals("0", l[1].trim(), r.toString());
    assertEquals("0", l[2].trim(), r.toString());
    assertEquals("0", l[3].trim(), "the masked directories share one empty tmpfs: " + r);
    assertEquals(2, r.out().lines().filter("1"::equals).count(), "both masked directories are read-only: " + r);
    assertTrue(r.out().contains("can't remove '/proc/timer_list'"), r.toString());
    assertTrue(r.out().contains("Operation not permitted"), "umount of a masked path must fail: " + r);
  }

  @Test
  void writesUnderProcSysAndSysFail() throws Exception {
    Jkrt.Result r = run(Bundle.of("sh", "-c",
        "echo 1 > /proc/sys/kernel/ns_last_pid; echo rc=$?; echo x > /sys/kernel/uevent_helper; echo rc=$?;"
            + " touch /newfile; echo rc=$?"));
    assertTrue(r.err().contains("Read-only file system"), r.toString());
    assertEquals(3, r.out().lines().filter(l -> l.equals("rc=1")).count(), r.toString());
  }

  @Test
  void capabilitiesAreExactlyTheRequestedOnesAndNoNewPrivsIsSet() throws Exception {
    Jkrt.Result r = run(Bundle.of("sh", "-c", "grep -E '^(Cap|NoNewPrivs)' /proc/self/status"));
    Jkrt.assertOk(r);
    long mask = 0;
    // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10
    for (int c : new int[] {0, 1, 3, 4, 5, 6, 7, 8, 10}) mask |= 1L << c;
    String want = String.format("%016x", mask);
    assertTrue(r.out().contains("CapEff:\t" + want), r.out());
    assertTrue(r.out().contains("CapPrm:\t" + want), r.out());
    assertTrue(r.out().contains("CapBnd:\t" + want), r.out());
    assertTrue(r.out().contains("CapInh:\t0000000000000000"), r.out());
    assertTrue(r.out().contains("CapAmb:\t0000000000000000"), r.out());
    assertTrue(r.out().contains("NoNewPrivs:\t1"), r.out());
  }

  @Test
  void cwdOutsideTheRootIsRefused() throws Exception {
    Bundle b = Bundle.of("pwd");
    ((com.fasterxml.jackson.databind.node.ObjectNode) b.spec.get("process")).put("cwd", "/proc/self/fd/3");
    Jkrt.Result r = run(b);
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("\"stage\":\"process\""), r.toString());
  }

  @Test
  void noRuntimeFileDescriptorLeaksIntoTheContainer() throws Exception {
    Jkrt.Result r = run(Bundle.of("ls", "/proc/self/fd"));
    Jkrt.assertOk(r);
    assertEquals("0\n1\n2\n3", r.out().trim(), "only stdio (and ls's own dir fd): " + r);
  }

  @Test
  void preservedFdsArePassedOnAndOthersAreNot() throws Exception {
    String id = rt.newId();
    java.nio.file.Path bundle = Bundle.of("sh", "-c", "cat <&3; ls /proc/self/fd | wc -l").writeTo(rt.work);
    java.nio.file.Path data = java.nio.file.Files.writeString(rt.work.resolve("passed.txt"), "passed-on\n");
    // fd 3 is passed on; fd 4 is open in the caller too but must not reach the container
    Jkrt.Result r = Jkrt.exec(java.util.List.of("sh", "-c", "exec 3<" + data + " 4<" + data + "; exec "
        + Jkrt.bin("jkrt") + " --root " + rt.root + " run --preserve-fds 1 --bundle " + bundle + " " + id));
    Jkrt.assertOk(r);
    assertEquals("passed-on\n5", r.out().trim(), "0,1,2,3 and ls's own directory fd: " + r);
  }

  @Test
  void chrootBreakoutWithSysChrootStillCannotReachTheHost() throws Exception {
    // the classic escape: chroot into a subdirectory, walk "..", chroot("."): it only
    // works against a runtime that chroot()ed instead of pivot_root()ing and detaching
    Path marker = Files.writeString(rt.work.resolve("host-only-marker"), "secret");
    Path src = Files.writeString(rt.work.resolve("escape.c"), String.join("\n",
        "#include <fcntl.h>", "#include <stdio.h>", "#include <sys/stat.h>", "#include <unistd.h>",
        "int main(int argc, char **argv) {",
        "  mkdir(\"/tmp/jail\", 0755);",
        "  if (chroot(\"/tmp/jail\") != 0) { perror(\"chroot\"); return 2; }",
        "  for (int i = 0; i < 64; i++) if (chdir(\"..\") != 0) break;",
        "  if (chroot(\".\") != 0) { perror(\"chroot .\"); return 2; }",
        "  printf(\"%s\\n\", open(argv[1], O_RDONLY) >= 0 ? \"ESCAPED\" : \"contained\");",
        "  return 0;", "}", ""));
    Path escape = rt.work.resolve("escape");
    Jkrt.assertOk(Jkrt.exec(List.of("gcc", "-static", "-O1", "-o", escape.toString(), src.toString())));
    Bundle b = Bundle.of("/escape", marker.toString())
        .capabilities(List.of("CAP_SYS_CHROOT", "CAP_DAC_OVERRIDE"));
    com.fasterxml.jackson.databind.node.ObjectNode m = ((com.fasterxml.jackson.databind.node.ArrayNode)
        b.spec.get("mounts")).addObject().put("destination", "/escape").put("type", "bind")
        .put("source", escape.toString());
    m.putArray("options").add("bind").add("ro");
    Jkrt.Result r = run(b);
    Jkrt.assertOk(r);
    assertEquals("contained", r.out().trim(), r.toString());
  }

  @Test
  void evenWithMknodTheHostDiskCannotBeOpened() throws Exception {
    String dev = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
        .filter(f -> f[4].equals("/")).map(f -> f[2]).findFirst().orElse("0:0");
    assumeTrue(!dev.startsWith("0:"), "the host root is not on a block device");
    String[] mm = dev.split(":");
    Bundle b = Bundle.of("sh", "-c", "mknod /dev/hostdisk b " + mm[0] + " " + mm[1]
        + " && head -c 512 /dev/hostdisk | wc -c; echo x > /dev/null && echo null-ok")
        .capabilities(List.of("CAP_MKNOD", "CAP_DAC_OVERRIDE"));
    Jkrt.Result r = run(b);
    assertTrue(r.err().contains("Operation not permitted"), "the devices cgroup denies the disk: " + r);
    assertTrue(r.out().contains("null-ok"), "default devices stay usable: " + r);
  }
}
