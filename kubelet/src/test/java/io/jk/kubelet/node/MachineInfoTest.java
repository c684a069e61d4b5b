package io.jk.kubelet.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MachineInfoTest {

  private static String cat(String path) throws Exception {
    Process p = new ProcessBuilder("cat", path).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return out;
  }

  /** sysctl files report size 0 and answer nothing at a non-zero offset: read whole, not one byte. */
  @Test
  void sysctlFilesAreReadWhole() throws Exception {
    assertEquals(cat("/proc/sys/kernel/pid_max"), MachineInfo.read("/proc/sys/kernel/pid_max", ""));
    assertEquals(cat("/proc/sys/kernel/osrelease"), MachineInfo.read("/proc/sys/kernel/osrelease", ""));
    assertEquals("fallback", MachineInfo.read("/nonexistent/file", "fallback"));
  }

  @Test
  void pidsAreFarBelowTheLimitOnAnIdleTestMachine() {
    long[] pids = MachineInfo.pids();
    assertTrue(pids[1] >= 1024, "pid_max " + pids[1]);
    assertTrue(pids[0] > 0 && pids[0] < pids[1] * 9 / 10, "running " + pids[0] + " of " + pids[1]);
  }
}
