package io.jk.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code scripts/demo.sh}, on the distribution built before
 * ({@code mvn -DskipTests package}), on a free port and a temporary data directory, inside a
 * network namespace this test creates (so the CNI bridge, the pods' network and the proxy's
 * nftables table live and die with it; a veth with a default route stands in for the host's
 * uplink, as Services are reached through the node's routing table); then
 * {@code scripts/demo.sh stop}, which removes the pods. It takes about a minute; it is an integration
 * test (failsafe, after {@code package}) so that it runs on the distribution of the same build.
 */
class DemoScriptIT {

  @TempDir
  Path dir;

  @Test
  void demoEndsWithTheClusterRunningAndStopsCleanly() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the demo runs a node: root only");
    assertTrue(Files.isExecutable(Path.of("target", "jk", "bin", "jk")), "the distribution was not assembled by package");
    String netns = "jkdemo" + ProcessHandle.current().pid();
    run("ip", "netns", "add", netns);
    java.util.List<String> enter = java.util.List.of("nsenter", "--net=/var/run/netns/" + netns);
    try {
      runIn(enter, "ip", "link", "set", "lo", "up");
      runIn(enter, "ip", "link", "add", "uplink", "type", "veth", "peer", "name", "uplink2");
      runIn(enter, "ip", "link", "set", "uplink", "up");
      runIn(enter, "ip", "link", "set", "uplink2", "up");
      runIn(enter, "ip", "addr", "add", "192.0.2.1/24", "dev", "uplink");
      runIn(enter, "ip", "route", "add", "default", "via", "192.0.2.254", "dev", "uplink", "onlink");
      runDemo(enter);
    } finally {
      run("ip", "netns", "del", netns);
    }
  }

  private void runDemo(java.util.List<String> enter) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(enter);
    cmd.addAll(java.util.List.of("bash", Path.of("..", "scripts", "demo.sh").toString()));
    ProcessBuilder demo = new ProcessBuilder(cmd).redirectErrorStream(true);
    demo.environment().put("JK_CNI_BRIDGE", "jkdemo0");
    demo.environment().put("JK_SKIP_BUILD", "1");
    demo.environment().put("JKCTL_DAEMON", "0"); // no warm jkctl daemon left behind by the test
    demo.environment().put("JK_DATA_DIR", dir.toString());
    demo.environment().put("JK_PORT", String.valueOf(JkProcess.freePort()));
    File log = dir.resolve("demo.log").toFile();
    try {
      Process p = demo.redirectOutput(log).start();
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), "demo.sh still running after 5 minutes");
      String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("deployment.apps/web created"), out);
      assertTrue(out.contains("web-"), out);
      assertTrue(out.contains("Stop it with:"), out);
      assertTrue(out.contains("successfully rolled out"), out);
      // the page, fetched through the Service's ClusterIP
      assertTrue(out.contains("fetched through the Service") && out.contains("Hello from jk"), out);
    } finally {
      java.util.List<String> stopCmd = new java.util.ArrayList<>(enter);
      stopCmd.addAll(java.util.List.of("bash", Path.of("..", "scripts", "demo.sh").toString(), "stop"));
      ProcessBuilder stop = new ProcessBuilder(stopCmd).redirectErrorStream(true);
      stop.environment().put("JK_DATA_DIR", dir.toString());
      Process s = stop.start();
      String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(s.waitFor(60, TimeUnit.SECONDS));
      assertTrue(out.contains("jk server stopped"), out);
    }
  }

  private static void runIn(java.util.List<String> enter, String... cmd) throws Exception {
    java.util.List<String> all = new java.util.ArrayList<>(enter);
    all.addAll(java.util.List.of(cmd));
    run(all.toArray(String[]::new));
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
