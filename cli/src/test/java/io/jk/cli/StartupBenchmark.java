package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jk.testing.TestApiServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Not a timed test: prints the wall time of {@code jkctl get pods} (a fresh JVM each run) next to
 * {@code kubectl get pods} against the same server. Runs only when {@code -Djkctl.bench.classpath}
 * gives jkctl's runtime class path, e.g.:
 *
 * <pre>
 * mvn -q -pl cli -am dependency:build-classpath -Dmdep.outputFile=/tmp/jkctl.cp -Dmdep.includeScope=runtime
 * mvn -q -pl cli -am verify -Dtest=StartupBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Djkctl.bench.classpath=$(cat /tmp/jkctl.cp):$PWD/cli/target/classes
 * </pre>
 */
class StartupBenchmark {

  @Test
  void getPodsWallTime() throws Exception {
    String cp = System.getProperty("jkctl.bench.classpath");
    Assumptions.assumeTrue(cp != null && !cp.isBlank(), "set -Djkctl.bench.classpath to run the benchmark");
    int runs = Integer.getInteger("jkctl.bench.runs", 7);
    try (TestApiServer api = TestApiServer.start()) {
      Cli cli = new Cli(api.kubeconfig());
      cli.jkctlWithInput("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n",
          "apply", "-f", "-");
      String java = System.getProperty("java.home") + "/bin/java";
      List<String> jk = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
      String extra = System.getProperty("jkctl.bench.jvmopts", "");
      if (!extra.isBlank()) {
        jk.addAll(List.of(extra.split(" ")));
      }
      jk.addAll(List.of("-cp", cp, "io.jk.cli.JkctlCommand", "--kubeconfig", api.kubeconfig().toString(), "get", "pods"));
      java.nio.file.Path cache = api.dir().resolve("kcache");
      List<String> kc = List.of("kubectl", "--kubeconfig", api.kubeconfig().toString(), "--cache-dir", cache.toString(),
          "get", "pods");
      time(kc, 1);
      time(jk, 1);
      long jkMs = time(jk, runs);
      long kcMs = time(kc, runs);
      System.out.printf("BENCH jkctl get pods median %d ms, kubectl get pods median %d ms (%d runs each), ratio %.2f%n",
          jkMs, kcMs, runs, (double) jkMs / kcMs);
      cli.close();
    }
  }

  private static long time(List<String> cmd, int runs) throws Exception {
    List<Long> ms = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      assertEquals(0, p.exitValue(), String.join(" ", cmd));
      ms.add((System.nanoTime() - t0) / 1_000_000);
    }
    Collections.sort(ms);
    return ms.get(ms.size() / 2);
  }
}
