package io.jk.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.testing.TestApiServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jkctl get -w} streams the server's chunked watch: the Table first, then a row per change
 * as it happens, until the server goes away.
 */
class WatchTest {

  @Test
  void watchPrintsEachChangeAsItHappens(@TempDir Path cache) throws Exception {
    TestApiServer api = TestApiServer.start();
    Cli cli = new Cli(api.kubeconfig());
    CompletableFuture<Integer> watching;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      cli.jkctlWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n", "apply", "-f", "-");
      watching = CompletableFuture.supplyAsync(() -> JkctlCommand.run(new String[] {"--kubeconfig",
          api.kubeconfig().toString(), "--cache-dir", cache.toString(), "get", "configmaps", "-w"}, Map.of(),
          new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
      await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("first"));
      assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("NAME "), out::toString);
      cli.jkctlWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\ndata: {a: b}\n", "apply", "-f", "-");
      await().atMost(Duration.ofSeconds(20)).until(() -> out.toString(StandardCharsets.UTF_8).contains("second"));
      String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
      assertTrue(lines[lines.length - 1].matches("second\\s+1\\s+\\S+"), out::toString);
    } finally {
      cli.close();
      api.close();
    }
    // the server went away: the watch ends (get throws a TimeoutException if it hangs)
    watching.get(30, java.util.concurrent.TimeUnit.SECONDS);
  }
}
