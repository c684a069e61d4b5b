package io.jk.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code logs}, {@code exec}, {@code describe} and {@code get} of a pod whose containers really
 * run (a real kubelet, jkshim and jkrt: {@link RealNode}), through jkctl and the real kubectl side
 * by side: same output, same exit codes. Root only.
 */
class LogsExecSideBySideTest {

  static RealNode node;
  static Cli cli;

  static final String POD = """
      apiVersion: v1
      kind: Pod
      metadata: {name: web, labels: {app: web}}
      spec:
        nodeName: node-1
        terminationGracePeriodSeconds: 2
        containers:
        - name: app
          image: busybox:1.36
          command: [sh, -c, "echo line-1; echo line-2; echo to-stderr >&2; trap 'exit 0' TERM; while true; do sleep 1; done"]
        - name: side
          image: busybox:1.36
          command: [sh, -c, "echo side-car; trap 'exit 0' TERM; while true; do sleep 1; done"]
      """;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(RealNode.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    node = new RealNode();
    cli = new Cli(node.api.kubeconfig());
    Cli.Result applied = cli.jkctlWithInput(POD, "apply", "-f", "-");
    assertEquals("pod/web created\n", applied.out(), applied::toString);
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertEquals("Running true true",
        cli.jkctl("get", "pod", "web", "-o",
            "jsonpath={.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[1].ready}").out()));
    // both containers have written their first lines
    await().atMost(Duration.ofSeconds(30)).until(() -> cli.jkctl("logs", "web", "-c", "side").out().equals("side-car\n")
        && cli.jkctl("logs", "web", "-c", "app").out().contains("line-2"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cli != null) {
      cli.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /** Asserts jkctl and kubectl agree on exit code, stdout and stderr, and returns jkctl's result. */
  static Cli.Result same(String... args) {
    Cli.Result jk = cli.jkctl(args);
    Cli.Result kc = cli.kubectl(args);
    assertEquals(kc, jk, () -> "jkctl " + String.join(" ", args) + "\n=== kubectl: " + kc + "\n=== jkctl: " + jk);
    return jk;
  }

  @Test
  void logs() {
    Cli.Result r = same("logs", "web", "-c", "app");
    assertEquals(0, r.exitCode());
    assertEquals("line-1\nline-2\nto-stderr\n", r.out());
    assertEquals("line-2\nto-stderr\n", same("logs", "pod/web", "-c", "app", "--tail=2").out());
    assertEquals("side-car\n", same("logs", "web", "side").out());
    Cli.Result ts = same("logs", "web", "-c", "side", "--timestamps");
    assertTrue(ts.out().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z side-car\n"), ts.out());
  }

  @Test
  void logsWithoutAContainerTakesTheFirstAndSaysSo() {
    Cli.Result r = same("logs", "web");
    assertEquals("line-1\nline-2\nto-stderr\n", r.out());
    assertEquals("Defaulted container \"app\" out of: app, side\n", r.err());
  }

  @Test
  void logsFollowStreamsUntilTheContainerEnds() throws Exception {
    Cli.Result created = cli.jkctlWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: once}
        spec:
          nodeName: node-1
          restartPolicy: Never
          containers:
          - {name: c, image: "busybox:1.36", command: [sh, -c, "echo first; sleep 4; echo last"]}
        """, "apply", "-f", "-");
    assertEquals(0, created.exitCode(), created::toString);
    await().atMost(Duration.ofSeconds(60)).until(() -> cli.jkctl("logs", "once").out().equals("first\n"));
    // both follow the running container and end with it
    var jk = java.util.concurrent.CompletableFuture.supplyAsync(() -> cli.jkctl("logs", "-f", "once"));
    var kc = java.util.concurrent.CompletableFuture.supplyAsync(() -> cli.kubectl("logs", "-f", "once"));
    Cli.Result k = kc.get(60, java.util.concurrent.TimeUnit.SECONDS);
    Cli.Result j = jk.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(new Cli.Result(0, "first\nlast\n", ""), k);
    assertEquals(k, j);
  }

  @Test
  void logsOfAMissingPodOrContainer() {
    Cli.Result missing = same("logs", "nosuch");
    assertEquals(1, missing.exitCode());
    assertEquals("error: error from server (NotFound): pods \"nosuch\" not found in namespace \"default\"\n",
        missing.err());
    Cli.Result badContainer = same("logs", "web", "-c", "nosuch");
    assertEquals(1, badContainer.exitCode());
  }

  @Test
  void execPassesOutputAndTheExitCodeThrough() {
    Cli.Result ok = same("exec", "web", "-c", "app", "--", "cat", "/etc/passwd");
    assertEquals(0, ok.exitCode());
    assertEquals("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n", ok.out());

    Cli.Result jk = cli.jkctl("exec", "web", "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    Cli.Result kc = cli.kubectl("exec", "web", "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertEquals(3, kc.exitCode(), kc::toString);
    assertEquals(kc.exitCode(), jk.exitCode(), jk::toString);
    assertEquals("out\n", jk.out());
    assertEquals(kc.out(), jk.out());
    assertEquals(kc.err(), jk.err());
    assertTrue(jk.err().contains("err\n") && jk.err().contains("command terminated with exit code 3"), jk::toString);
  }

  @Test
  void execWithStandardInput() {
    Cli.Result jk = cli.jkctlWithInput("hello\nworld\n", "exec", "-i", "web", "-c", "app", "--", "wc", "-l");
    Cli.Result kc = cli.kubectlWithInput("hello\nworld\n", "exec", "-i", "web", "-c", "app", "--", "wc", "-l");
    assertEquals(0, kc.exitCode(), kc::toString);
    assertEquals(kc, jk);
    assertEquals("2", jk.out().strip());
  }

  /** {@code top} and {@code image load} reach the kubelet through the API server's node proxy. */
  @Test
  void topAndImageLoadGoThroughTheNodeProxy() throws Exception {
    Cli.Result nodes = cli.jkctl("top", "nodes");
    assertEquals(0, nodes.exitCode(), nodes::toString);
    assertTrue(nodes.out().startsWith("NAME") && nodes.out().contains("node-1 "), nodes::toString);
    Cli.Result pods = cli.jkctl("top", "pods");
    assertEquals(0, pods.exitCode(), pods::toString);
    assertTrue(pods.out().lines().anyMatch(l -> l.startsWith("web ") && l.endsWith("Mi")), pods::toString);
    Cli.Result all = cli.jkctl("top", "pods", "-A");
    assertEquals(0, all.exitCode(), all::toString);
    assertTrue(all.out().startsWith("NAMESPACE") && all.out().lines().anyMatch(l -> l.matches("default +web .*Mi")), all::toString);

    Path archive = Files.createTempFile("jkctl-load-", ".tar");
    try {
      RealNode.writeBusyboxArchive(archive, "jk.local/loaded:1");
      Cli.Result load = cli.jkctl("image", "load", archive.toString(), "--node", "node-1");
      assertEquals(0, load.exitCode(), load::toString);
      assertTrue(load.out().contains("loaded on node/node-1"), load::toString);
    } finally {
      Files.deleteIfExists(archive);
    }
    // a pod that may only use images already on the node starts from the loaded one
    Cli.Result applied = cli.jkctlWithInput("""
        apiVersion: v1
        kind: Pod
        metadata: {name: loaded}
        spec:
          nodeName: node-1
          terminationGracePeriodSeconds: 1
          containers:
          - {name: c, image: "jk.local/loaded:1", imagePullPolicy: Never, command: [sh, -c, "echo from-loaded; sleep 3600"]}
        """, "apply", "-f", "-");
    assertEquals(0, applied.exitCode(), applied::toString);
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals("from-loaded\n", cli.jkctl("logs", "loaded").out()));
    } finally {
      cli.jkctl("delete", "pod", "loaded", "--wait=true");
    }
  }

  @Test
  void execIntoAMissingContainer() {
    Cli.Result jk = cli.jkctl("exec", "web", "-c", "nosuch", "--", "true");
    Cli.Result kc = cli.kubectl("exec", "web", "-c", "nosuch", "--", "true");
    assertEquals(1, kc.exitCode(), kc::toString);
    assertEquals(kc.exitCode(), jk.exitCode(), jk::toString);
  }

  @Test
  void getAndDescribeShowTheRunningPod() {
    // the same Table from the server (AGE is dropped: the two calls may straddle a second)
    String jk = withoutAge(cli.jkctl("get", "pod", "web", "-o", "wide").out());
    String kc = withoutAge(cli.kubectl("get", "pod", "web", "-o", "wide").out());
    assertEquals(kc, jk);
    assertTrue(jk.contains("web 2/2 Running 0 10.244.0."), jk);
    assertTrue(jk.contains("node-1"), jk);

    Cli.Result jd = cli.jkctl("describe", "pod", "web");
    Cli.Result kd = cli.kubectl("describe", "pod", "web");
    assertEquals(0, kd.exitCode(), kd::toString);
    assertEquals(0, jd.exitCode(), jd::toString);
    for (String field : List.of("Name:", "Namespace:", "Node:", "Labels:", "Status:", "IP:")) {
      assertEquals(line(kd.out(), field), line(jd.out(), field), "describe line " + field + "\n" + jd.out());
    }
    assertEquals("Status: Running", line(jd.out(), "Status:"));
    assertEquals("Node: node-1/127.0.0.1", line(jd.out(), "Node:"));
  }

  private static String withoutAge(String table) {
    return table.lines().map(l -> l.replaceAll("\\s+", " ").replaceAll("^(\\S+ \\S+ \\S+ \\S+ )\\S+ ", "$1"))
        .collect(Collectors.joining("\n"));
  }

  /** The first line starting with {@code field}, whitespace collapsed. */
  private static String line(String text, String field) {
    return text.lines().filter(l -> l.startsWith(field)).findFirst().orElse("<none>").replaceAll("\\s+", " ").strip();
  }
}
