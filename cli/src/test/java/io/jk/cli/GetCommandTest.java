package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code jkctl get} against the real kubectl: same stdout (ages masked), same stderr, same exit code. */
class GetCommandTest {

  static TestApiServer api;
  static Cli cli;

  @BeforeAll
  static void start() throws Exception {
    api = TestApiServer.start();
    cli = new Cli(api.kubeconfig());
    Path f = api.dir().resolve("app.yaml");
    Files.writeString(f, """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, labels: {app: web, tier: front}}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - {name: httpd, image: busybox, command: [httpd, -f]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: page, labels: {app: web}}
        data: {index.html: hello}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: other}
        data: {a: "1", b: "2"}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: demo}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 8080}]
        """);
    Cli.Result r = cli.jkctl("apply", "-f", f.toString());
    assertEquals(0, r.exitCode(), r::toString);
  }

  @AfterAll
  static void stop() {
    cli.close();
    api.close();
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> commands() {
    return Stream.<String[]>of(
        new String[] {"get", "deployments"},
        new String[] {"get", "deploy,cm"},
        new String[] {"get", "cm", "page", "other"},
        new String[] {"get", "configmap/page", "deployment.apps/web"},
        new String[] {"get", "cm", "-o", "wide", "--show-labels"},
        new String[] {"get", "cm", "-l", "app=web"},
        new String[] {"get", "cm", "-l", "app!=web", "-o", "name"},
        new String[] {"get", "all"},
        new String[] {"get", "svc", "-A"},
        new String[] {"get", "ns"},
        new String[] {"get", "cm", "-n", "demo"},
        new String[] {"get", "pods"},
        new String[] {"get", "cm", "nope"},
        new String[] {"get", "cm", "page", "nope"},
        new String[] {"get", "deploy", "-o", "name"},
        new String[] {"get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}"},
        new String[] {"get", "cm", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"},
        new String[] {"get", "cm", "-o", "custom-columns=NAME:.metadata.name,DATA:.data.a"},
        new String[] {"get", "cm", "other", "-o", "jsonpath={.data}"},
        new String[] {"get", "cm", "--no-headers"})
        .map(a -> org.junit.jupiter.params.provider.Arguments.of(String.join(" ", a), a));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("commands")
  void printsWhatKubectlPrints(String commandLine, String[] args) {
    Cli.Result jk = cli.jkctl(args);
    Cli.Result kc = cli.kubectl(args);
    String both = "\njkctl: " + jk + "\nkubectl: " + kc;
    assertEquals(kc.exitCode(), jk.exitCode(), () -> "exit code" + both);
    assertEquals(maskAges(kc.out()), maskAges(jk.out()), () -> "stdout" + both);
    assertEquals(kc.err(), jk.err().replace("jkctl", "kubectl"), () -> "stderr" + both);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("yamlAndJson")
  void objectsAsYamlAndJsonReadBackAsKubectlsDo(String format) throws Exception {
    Cli.Result jk = cli.jkctl("get", "cm", "other", "-o", format);
    Cli.Result kc = cli.kubectl("get", "cm", "other", "-o", format);
    var mapper = format.equals("json") ? io.jk.common.json.Json.mapper() : io.jk.common.json.Json.yamlMapper();
    assertEquals(mapper.readTree(kc.out()), mapper.readTree(jk.out()), () -> jk + "\n" + kc);
    assertTrue(jk.out().contains(format.equals("json") ? "\"a\": \"1\"" : "a: \"1\""), jk::toString);
  }

  static Stream<String> yamlAndJson() {
    return Stream.of("yaml", "json");
  }

  @org.junit.jupiter.api.Test
  void unknownTypeAndBadOutputFailLikeKubectl() {
    Cli.Result jk = cli.jkctl("get", "frobs");
    assertEquals(1, jk.exitCode());
    assertEquals("error: the server doesn't have a resource type \"frobs\"\n", jk.err());
    Cli.Result bad = cli.jkctl("get", "pods", "-o", "xml");
    assertEquals(1, bad.exitCode());
    assertTrue(bad.err().startsWith("error: unable to match a printer suitable for the output format \"xml\""),
        bad::toString);
  }

  @org.junit.jupiter.api.Test
  void watchPrintsEachChangeAsATableRow() throws Exception {
    java.io.PipedOutputStream pipe = new java.io.PipedOutputStream();
    java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
        new java.io.PipedInputStream(pipe, 1 << 16), java.nio.charset.StandardCharsets.UTF_8));
    Thread t = new Thread(() -> JkctlCommand.run(new String[] {"--kubeconfig", api.kubeconfig().toString(), "get",
        "cm", "-l", "watched=yes", "-w"}, java.util.Map.of(), java.io.InputStream.nullInputStream(),
        new java.io.PrintStream(pipe, true), new java.io.PrintStream(java.io.OutputStream.nullOutputStream())));
    t.setDaemon(true);
    t.start();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
      Cli.Result r = cli.jkctlWithInput(
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched, labels: {watched: \"yes\"}}\n", "apply", "-f", "-");
      return r.exitCode() == 0;
    });
    assertTrue(lines.readLine().startsWith("NAME "));
    assertTrue(lines.readLine().startsWith("watched "));
    cli.jkctl("label", "cm", "watched", "more=1");
    assertTrue(lines.readLine().startsWith("watched "));
    t.interrupt();
    cli.jkctl("delete", "cm", "watched");
  }

  static String maskAges(String s) {
    return s.replaceAll("(?m)\\b\\d+s\\b", "AGE");
  }
}
