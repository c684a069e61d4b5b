package io.jk.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples' image builds offline from busybox-static and imports with {@code jk image import}. */
class ExampleImageTest {

  @TempDir
  Path dir;

  @Test
  void buildsOfflineAndImports() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs Debian's busybox-static");
    Path archive = dir.resolve("busybox-oci.tar");
    Process build = new ProcessBuilder("bash", Path.of("..", "scripts", "build-example-image.sh").toString(),
        archive.toString()).redirectErrorStream(true).start();
    String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(build.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, build.exitValue(), out);

    PrintStream saved = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      rc = JkCommand.commandLine().execute("image", "import", archive.toString(), "--root-dir", dir.resolve("kubelet").toString());
      JkCommand.commandLine().execute("image", "ls", "--root-dir", dir.resolve("kubelet").toString());
    } finally {
      System.setOut(saved);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, text);
    assertTrue(text.contains("imported jk.local/busybox:1.36"), text);
    // listed afterwards, by the name the examples use
    assertTrue(text.lines().anyMatch(l -> l.startsWith("jk.local/busybox:1.36 ")), text);
  }
}
