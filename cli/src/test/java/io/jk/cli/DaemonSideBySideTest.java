package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built {@code jkctl} binary with a running daemon against the same binary with
 * {@code JKCTL_DAEMON=0} (a JVM of its own, as jkctl always ran): the same stdout, stderr and
 * exit code, and every daemon run really served by the daemon. Relative paths are the user's
 * working directory's, and no request sees another's kubeconfig, namespace or flags.
 */
class DaemonSideBySideTest {

  static TestApiServer api;
  static JkctlBinary jk;

  @BeforeAll
  static void start() throws Exception {
    // bearer tokens checked: a wrong one is refused (401), so a client kept for a right one would show
    api = TestApiServer.start(c -> c.withAuthenticator(io.jk.apiserver.auth.TokenFileAuthenticator.parse(
        "test-admin,admin,1,\"system:masters\"\n", "tokens")));
    jk = new JkctlBinary(api.kubeconfig());
    Files.writeString(jk.work.resolve("app.yaml"), """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, labels: {app: web}}
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
        kind: Service
        metadata: {name: web}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 8080}]
        """);
    Path dir = Files.createDirectories(jk.work.resolve("more"));
    Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: more-a}\n");
    Files.writeString(dir.resolve("b.json"), "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": "
        + "{\"name\": \"more-b\"}, \"data\": {\"x\": \"1\"}}");
    for (String ns : List.of("seq-d", "seq-j", "ns-a", "ns-b")) {
      api.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
          .withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    cm("ns-a", "only-a");
    cm("ns-b", "only-b");
    JkctlBinary.Result r = jk.runWithoutDaemon(Map.of(), null, jk.work, "apply", "-f", "app.yaml");
    assertEquals(0, r.exitCode(), r::toString);
    jk.startDaemon(jk.launcher);
  }

  private static void cm(String ns, String name) {
    api.client().configMaps().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName(name).endMetadata().addToData("k", "v").build()).create();
  }

  @AfterAll
  static void stop() {
    if (jk != null) {
      jk.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static Stream<Arguments> readOnly() {
    return Stream.<String[]>of(
        new String[] {"get", "deploy", "-o", "wide"},
        new String[] {"get", "cm", "page", "-o", "yaml"},
        new String[] {"get", "cm", "-o", "json"},
        new String[] {"get", "all", "-o", "name"},
        new String[] {"get", "cm", "page", "-o", "jsonpath={.data}"},
        new String[] {"get", "pods"},
        new String[] {"get", "cm", "missing"},
        new String[] {"get", "nosuchtype"},
        new String[] {"get", "cm", "--no-such-flag"},
        new String[] {"describe", "deploy", "web"},
        new String[] {"describe", "svc", "web"},
        new String[] {"api-resources"},
        new String[] {"version", "--client"},
        new String[] {"config", "get-contexts"},
        new String[] {"get", "--help"}
    ).map(a -> Arguments.of(String.join(" ", a), a));
  }

  @ParameterizedTest(name = "jkctl {0}")
  @MethodSource("readOnly")
  void readCommandsAnswerAsTheJvmDoes(String name, String[] args) {
    JkctlBinary.Result viaDaemon = jk.run(args);
    JkctlBinary.Result viaJvm = jk.runWithoutDaemon(Map.of(), null, jk.work, args);
    assertTrue(viaDaemon.byDaemon(), () -> "not served by the daemon: " + viaDaemon);
    assertFalse(viaJvm.byDaemon(), viaJvm::toString);
    assertSame(viaJvm, viaDaemon);
  }

  /** The same changes, once through the daemon (namespace seq-d) and once through the JVM (seq-j), step by step. */
  @Test
  void changesAnswerAsTheJvmDoesStepByStep() {
    String changed = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: page, labels: {app: web}}
        data: {index.html: changed}
        """;
    record Step(String stdin, String... args) {}
    List<Step> steps = List.of(
        new Step(null, "apply", "-f", "app.yaml"),
        new Step(null, "apply", "-f", "app.yaml"),
        new Step(changed, "apply", "-f", "-"),
        new Step(null, "apply", "-f", "more"),
        new Step(null, "create", "-f", "more/a.yaml"),
        new Step(null, "scale", "deploy", "web", "--replicas=3"),
        new Step(null, "label", "cm", "page", "tier=front"),
        new Step(null, "get", "cm", "page", "-o", "jsonpath={.data.index\\.html} {.metadata.labels}"),
        new Step(null, "apply", "-f", "missing.yaml"),
        new Step("kind: [", "apply", "-f", "-"),
        new Step(null, "delete", "-f", "app.yaml", "--wait=false"),
        new Step(null, "delete", "cm", "more-a", "more-b"),
        new Step(null, "get", "cm", "page"));
    for (Step s : steps) {
      String[] d = Stream.concat(Stream.of(s.args()), Stream.of("-n", "seq-d")).toArray(String[]::new);
      String[] j = Stream.concat(Stream.of(s.args()), Stream.of("-n", "seq-j")).toArray(String[]::new);
      JkctlBinary.Result viaDaemon = jk.run(Map.of(), s.stdin() == null ? "" : s.stdin(), jk.work, d);
      JkctlBinary.Result viaJvm = jk.runWithoutDaemon(Map.of(), s.stdin() == null ? "" : s.stdin(), jk.work, j);
      assertTrue(viaDaemon.byDaemon(), () -> "not served by the daemon: " + viaDaemon);
      assertSame(viaJvm, viaDaemon);
    }
  }

  @Test
  void eachRequestSeesItsOwnKubeconfigNamespaceAndHome() throws Exception {
    String base = Files.readString(api.kubeconfig());
    Files.writeString(jk.work.resolve("kc-a"), base.replace("namespace: default", "namespace: ns-a"));
    Path b = jk.root.resolve("kc-b");
    Files.writeString(b, base.replace("namespace: default", "namespace: ns-b"));
    Path dead = jk.root.resolve("kc-dead");
    Files.writeString(dead, base.replace(api.url(), "http://127.0.0.1:1"));
    Path otherHome = Files.createDirectories(jk.root.resolve("home-b").resolve(".kube"));
    Files.copy(b, otherHome.resolve("config"));
    Path sub = Files.createDirectories(jk.work.resolve("sub"));
    Map<String, String> relA = Map.of("KUBECONFIG", "kc-a");

    assertNames(jk.run(relA, null, jk.work, "get", "cm", "-o", "name"), "configmap/only-a");
    assertNames(jk.run(Map.of("KUBECONFIG", b.toString()), null, jk.work, "get", "cm", "-o", "name"), "configmap/only-b");
    assertNames(jk.run(relA, null, jk.work, "get", "cm", "-o", "name", "--namespace", "ns-b"), "configmap/only-b");
    assertNames(jk.run(relA, null, jk.work, "get", "cm", "-o", "name"), "configmap/only-a");
    assertNames(jk.run(Map.of("KUBECONFIG", "x"), null, sub, "--kubeconfig", "../kc-a", "get", "cm", "-o", "name"),
        "configmap/only-a");
    Map<String, String> homeB = new HashMap<>();
    homeB.put("KUBECONFIG", null);
    homeB.put("HOME", otherHome.getParent().toString());
    assertNames(jk.run(homeB, null, sub, "get", "cm", "-o", "name"), "configmap/only-b");

    // a server that is not there: the error of a JVM of its own, and the next request is fine
    Map<String, String> deadEnv = Map.of("KUBECONFIG", dead.toString());
    JkctlBinary.Result down = jk.run(deadEnv, null, jk.work, "get", "cm");
    assertTrue(down.byDaemon(), down::toString);
    assertEquals(1, down.exitCode(), down::toString);
    assertSame(jk.runWithoutDaemon(deadEnv, null, jk.work, "get", "cm"), down);
    assertNames(jk.run(relA, null, jk.work, "get", "cm", "-o", "name"), "configmap/only-a");

    // credentials are the request's own: a wrong token right after the right one is refused, and the
    // right one works right after the wrong one
    Path badToken = jk.root.resolve("kc-bad-token");
    Files.writeString(badToken, base.replace("token: test-admin", "token: not-the-token"));
    Map<String, String> badEnv = Map.of("KUBECONFIG", badToken.toString());
    for (int i = 0; i < 2; i++) {
      assertNames(jk.run(relA, null, jk.work, "get", "cm", "-o", "name"), "configmap/only-a");
      JkctlBinary.Result refused = jk.run(badEnv, null, jk.work, "get", "cm", "-n", "ns-a");
      assertTrue(refused.byDaemon(), refused::toString);
      assertEquals(1, refused.exitCode(), refused::toString);
      assertTrue(refused.err().contains("Unauthorized"), refused::toString);
      assertSame(jk.runWithoutDaemon(badEnv, null, jk.work, "get", "cm", "-n", "ns-a"), refused);
    }

    // the discovery cache goes where a relative --cache-dir says, from the user's directory
    JkctlBinary.Result cached = jk.run(Map.of(), null, sub, "get", "cm", "-n", "ns-a", "--cache-dir", "cache-here");
    assertTrue(cached.byDaemon() && cached.exitCode() == 0, cached::toString);
    assertTrue(Files.isDirectory(sub.resolve("cache-here").resolve("jkctl-discovery")), "no cache in " + sub);
  }

  @Test
  void onATerminalHelpIsColouredAsTheJvmColoursIt() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) for a pseudo-terminal");
    String viaDaemon = jk.onTerminal(Map.of(), "get --help");
    String viaJvm = jk.onTerminal(Map.of("JKCTL_DAEMON", "0"), "get --help");
    assertTrue(viaDaemon.contains("jkctl: daemon: served by pid"), viaDaemon);
    assertTrue(viaJvm.contains("\u001b[1mjkctl get"), "the JVM colours help on a terminal: " + viaJvm);
    assertEquals(viaJvm, withoutDebug(viaDaemon));
    String plainDaemon = jk.onTerminal(Map.of("NO_COLOR", "1"), "get --help");
    assertFalse(plainDaemon.contains("\u001b["), plainDaemon);
    assertEquals(jk.onTerminal(Map.of("NO_COLOR", "1", "JKCTL_DAEMON", "0"), "get --help"), withoutDebug(plainDaemon));
  }

  private static String withoutDebug(String terminalText) {
    return terminalText.replaceAll("(?m)^jkctl: daemon: [^\n]*\n", "");
  }

  private static void assertNames(JkctlBinary.Result r, String want) {
    assertTrue(r.byDaemon(), () -> "not served by the daemon: " + r);
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals(want + "\n", r.out(), r::toString);
  }

  /** Same exit code, stdout and stderr (ages such as 5s masked: the runs are moments apart). */
  static void assertSame(JkctlBinary.Result want, JkctlBinary.Result got) {
    String both = "\n=== without daemon\n" + want + "\n=== with daemon\n" + got;
    assertEquals(want.exitCode(), got.exitCode(), () -> "exit code" + both);
    assertEquals(mask(want.out()), mask(got.out()), () -> "stdout" + both);
    assertEquals(mask(want.err()), mask(got.err()), () -> "stderr" + both);
  }

  static String mask(String s) {
    return s.replaceAll("(?m)\\b\\d+s\\b", "AGE").replace("seq-j", "NS").replace("seq-d", "NS");
  }
}
