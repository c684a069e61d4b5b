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
 * ({@code mvn -DskipTests package}), on a free port and a temporary data directory; then
 * {@code scripts/demo.sh stop}. It takes about a minute, so it runs only when asked:
 * {@code -Djk.demo.test=true}.
 */
class DemoScriptTest {

  @TempDir
  Path dir;

  @Test
  void demoEndsWithTheClusterRunningAndStopsCleanly() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("jk.demo.test"), "slow: run with -Djk.demo.test=true");
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "the demo runs a node: root only");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("target", "jk", "bin", "jk")), "build the distribution first");
    ProcessBuilder demo = new ProcessBuilder("bash", Path.of("..", "scripts", "demo.sh").toString())
        .redirectErrorStream(true);
    demo.environment().put("JK_SKIP_BUILD", "1");
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
      // either the page came through the Service, or the demo said plainly what is missing
      assertTrue(out.contains("Hello from jk") || out.contains("NOT YET IN THIS BUILD"), out);
    } finally {
      ProcessBuilder stop = new ProcessBuilder("bash", Path.of("..", "scripts", "demo.sh").toString(), "stop")
          .redirectErrorStream(true);
      stop.environment().put("JK_DATA_DIR", dir.toString());
      Process s = stop.start();
      String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(s.waitFor(60, TimeUnit.SECONDS));
      assertTrue(out.contains("jk server stopped"), out);
    }
  }
}
