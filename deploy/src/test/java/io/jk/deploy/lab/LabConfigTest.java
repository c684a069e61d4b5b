package io.jk.deploy.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The lab's start options and process fault hooks refuse what cannot work, with a message saying why. */
class LabConfigTest {
  @TempDir Path dir;

  @Test
  void aShortGracePeriodNeedsTheSplitControlPlaneAndMustOutlastALeaseRenewal() {
    assertEquals("16000ms", new LabConfig(true, Duration.ofSeconds(16)).graceFlag());
    assertEquals(null, LabConfig.defaults().graceFlag());
    Exception combined = assertThrows(IllegalArgumentException.class, () -> new LabConfig(false, Duration.ofSeconds(16)));
    assertTrue(combined.getMessage().contains("--split-control-plane"), combined.getMessage());
    Exception tooShort = assertThrows(IllegalArgumentException.class, () -> new LabConfig(true, Duration.ofSeconds(5)));
    assertTrue(tooShort.getMessage().contains("at least 12s"), tooShort.getMessage());
    assertEquals(Duration.ofSeconds(90), LabConfig.parseGrace("1m30s"));
  }

  @Test
  void processHooksOnALabThatIsNotUpOrWithBadFlagsSayWhy() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, new CommandLine(new LabCommand()).execute("process", "kill", "apiserver", "--name", "x",
          "--dir", dir.toString()));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("lab x is not up"), err.toString(StandardCharsets.UTF_8));
      assertEquals(2, new CommandLine(new LabCommand()).execute("up", "--name", "x", "--dir", dir.toString(),
          "--node-monitor-grace-period", "16s"));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs --split-control-plane"), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void rolesMustFitTheLab() throws Exception {
    LabState s = new LabState();
    s.name = "x";
    s.splitControlPlane = true;
    LabState.Node n = new LabState.Node();
    n.name = "x-n1";
    s.nodes.add(n);
    s.write(dir);
    Lab lab = new Lab("x", dir, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(0, lab.pid("scheduler", null), "not running");
    Exception server = assertThrows(IllegalArgumentException.class, () -> lab.pid("server", null));
    assertTrue(server.getMessage().contains("[apiserver, scheduler, controller-manager]"), server.getMessage());
    Exception kubelet = assertThrows(IllegalArgumentException.class, () -> lab.kill("kubelet", null));
    assertTrue(kubelet.getMessage().contains("name the node"), kubelet.getMessage());
    Exception onNode = assertThrows(IllegalArgumentException.class, () -> lab.start("apiserver", "x-n1"));
    assertTrue(onNode.getMessage().contains("a node runs [kubelet, proxy]"), onNode.getMessage());
    Exception noNode = assertThrows(IllegalArgumentException.class, () -> lab.pid("kubelet", "x-n9"));
    assertTrue(noNode.getMessage().contains("has no node x-n9"), noNode.getMessage());
    Exception notRunning = assertThrows(IllegalStateException.class, () -> lab.kill("scheduler", null));
    assertTrue(notRunning.getMessage().contains("scheduler is not running"), notRunning.getMessage());
  }
}
