package io.jk.apiserver.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The real kubectl (v1.32, on PATH) against the API server: what a user types, what they see. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlTest {

  static ServerFixture f;
  static Path dir;
  static Path kubeconfig;

  record Out(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  @BeforeAll
  static void up() throws Exception {
    Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not on PATH");
    f = new ServerFixture();
    dir = Files.createTempDirectory("jk-kubectl-test");
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "
        + f.url("") + "\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\n"
        + "current-context: c\n");
  }

  @AfterAll
  static void down() throws Exception {
    if (f != null) {
      f.close();
    }
    if (dir != null) {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, exe))) {
        return true;
      }
    }
    return false;
  }

  static List<String> cmd(String... args) {
    List<String> c = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
        "--cache-dir", dir.resolve("cache").toString()));
    c.addAll(List.of(args));
    return c;
  }

  static Out kubectl(String stdin, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd(args));
    pb.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
    }
    return new Out(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
  }

  static Out ok(String stdin, String... args) throws IOException, InterruptedException {
    Out o = kubectl(stdin, args);
    assertEquals(0, o.code(), "kubectl " + String.join(" ", args) + ": " + o.all());
    return o;
  }

  static final String MANIFEST = """
      apiVersion: v1
      kind: Namespace
      metadata:
        name: demo
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: cfg
        namespace: demo
      data:
        a: "1"
        b: "2"
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: demo
        labels: {app: web}
      spec:
        replicas: 2
        selector:
          matchLabels: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            containers:
            - name: nginx
              image: nginx:1.25
            - name: side
              image: busybox
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: web
        namespace: demo
      spec:
        selector: {app: web}
        ports:
        - port: 80
      """;

  @Test
  @Order(1)
  void versionAndApiResources() throws Exception {
    assertTrue(ok(null, "version").out().contains("Server Version: v1.32.0"));
    String res = ok(null, "api-resources").out();
    assertTrue(res.contains("deployments") && res.contains("deploy") && res.contains("apps/v1"), res);
    assertTrue(res.contains("poddisruptionbudgets"), res);
  }

  @Test
  @Order(2)
  void applyCreatesThenIsUnchangedThenConfiguresAndRemovesAContainer() throws Exception {
    String first = ok(MANIFEST, "apply", "-f", "-").out();
    assertTrue(first.contains("namespace/demo created") && first.contains("configmap/cfg created")
        && first.contains("deployment.apps/web created") && first.contains("service/web created"), first);
    String again = ok(MANIFEST, "apply", "-f", "-").out();
    assertEquals(4, again.split("unchanged", -1).length - 1, again);
    String changed = MANIFEST.replace("nginx:1.25", "nginx:1.26")
        .replace("      - name: side\n        image: busybox\n", "").replace("  b: \"2\"\n", "");
    String third = ok(changed, "apply", "-f", "-").out();
    assertTrue(third.contains("deployment.apps/web configured") && third.contains("configmap/cfg configured"), third);
    JsonNode d = Json.mapper().readTree(ok(null, "get", "deploy", "web", "-n", "demo", "-o", "json").out());
    JsonNode containers = d.path("spec").path("template").path("spec").path("containers");
    assertEquals(1, containers.size(), containers.toString());
    assertEquals("nginx:1.26", containers.path(0).path("image").asText());
    JsonNode cm = Json.mapper().readTree(ok(null, "get", "cm", "cfg", "-n", "demo", "-o", "json").out());
    assertTrue(cm.path("data").path("b").isMissingNode(), cm.toString());
  }

  @Test
  @Order(3)
  void getInEveryOutputForm() throws Exception {
    String table = ok(null, "get", "deploy", "-n", "demo").out();
    assertTrue(table.startsWith("NAME") && table.contains("READY") && table.contains("UP-TO-DATE") && table.contains("web"), table);
    assertTrue(ok(null, "get", "deploy", "-n", "demo", "-o", "wide").out().contains("nginx:1.26"));
    assertTrue(ok(null, "get", "deploy", "-n", "demo", "-o", "wide").out().contains("web"));
    assertTrue(ok(null, "get", "deploy", "web", "-n", "demo", "-o", "yaml").out().contains("kind: Deployment"));
    String all = ok(null, "get", "svc", "-A").out();
    assertTrue(all.startsWith("NAMESPACE") && all.contains("demo") && all.contains("kubernetes"), all);
    String byLabel = ok(null, "get", "deploy", "-A", "-l", "app=web", "--show-labels").out();
    assertTrue(byLabel.contains("app=web"), byLabel);
    assertTrue(ok(null, "get", "deploy", "-A", "-l", "app=nope").err().contains("No resources found"));
  }

  @Test
  @Order(4)
  void getWatchSeesAChange() throws Exception {
    Process w = new ProcessBuilder(cmd("get", "cm", "cfg", "-n", "demo", "-w", "-o", "name"))
        .redirectOutput(dir.resolve("watch").toFile()).redirectErrorStream(true).start();
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(dir.resolve("watch")).contains("configmap/cfg"));
      ok(null, "label", "cm", "cfg", "-n", "demo", "seen=yes");
      await().atMost(Duration.ofSeconds(20)).until(() ->
          Files.readString(dir.resolve("watch")).split("configmap/cfg", -1).length - 1 >= 2);
    } finally {
      w.destroy();
      w.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(5)
  void describeLabelAnnotatePatchAndScale() throws Exception {
    String desc = ok(null, "describe", "deploy", "web", "-n", "demo").out();
    assertTrue(desc.contains("Name:") && desc.contains("web"), desc);
    ok(null, "label", "deploy", "web", "-n", "demo", "tier=front");
    ok(null, "annotate", "deploy", "web", "-n", "demo", "note=hello");
    ok(null, "patch", "deploy", "web", "-n", "demo", "-p", "{\"metadata\":{\"labels\":{\"smp\":\"1\"}}}");
    ok(null, "patch", "deploy", "web", "-n", "demo", "--type=merge", "-p", "{\"metadata\":{\"labels\":{\"merge\":\"1\"}}}");
    ok(null, "patch", "deploy", "web", "-n", "demo", "--type=json", "-p",
        "[{\"op\":\"add\",\"path\":\"/metadata/labels/json\",\"value\":\"1\"}]");
    assertTrue(ok(null, "scale", "deploy", "web", "-n", "demo", "--replicas=3").out().contains("scaled"));
    JsonNode d = Json.mapper().readTree(ok(null, "get", "deploy", "web", "-n", "demo", "-o", "json").out());
    JsonNode labels = d.path("metadata").path("labels");
    assertEquals("front", labels.path("tier").asText());
    assertEquals("1", labels.path("smp").asText() + labels.path("merge").asText().substring(1) + labels.path("json").asText().substring(1));
    assertEquals("hello", d.path("metadata").path("annotations").path("note").asText());
    assertEquals(3, d.path("spec").path("replicas").asInt());
  }

  @Test
  @Order(6)
  void aPodWithoutASchedulerStaysUnbound() throws Exception {
    ok("apiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: demo}\nspec:\n  containers:\n  - {name: c, image: busybox}\n",
        "apply", "-f", "-");
    assertEquals("lonely", ok(null, "get", "pod", "lonely", "-n", "demo", "-o", "jsonpath={.metadata.name}").out());
    assertEquals("", ok(null, "get", "pod", "lonely", "-n", "demo", "-o", "jsonpath={.spec.nodeName}").out());
    String row = ok(null, "get", "pod", "lonely", "-n", "demo").out();
    assertTrue(row.contains("Pending") && row.contains("0/1"), row);
  }

  @Test
  @Order(7)
  void errorMessagesForMissingAndInvalidObjects() throws Exception {
    Out missing = kubectl(null, "get", "deploy", "nope", "-n", "demo");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("Error from server (NotFound): deployments.apps \"nope\" not found"), missing.err());
    Out invalid = kubectl("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: demo}\n", "create", "-f", "-");
    assertEquals(1, invalid.code());
    assertTrue(invalid.err().contains("The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""),
        invalid.err());
    Out negative = kubectl(MANIFEST.substring(MANIFEST.indexOf("apiVersion: apps/v1")).replace("replicas: 2", "replicas: -1")
        .replace("name: web\n  namespace: demo\n  labels", "name: bad\n  namespace: demo\n  labels").split("---")[0], "apply", "-f", "-");
    assertEquals(1, negative.code());
    assertTrue(negative.err().contains("The Deployment \"bad\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        negative.err());
  }

  @Test
  @Order(8)
  void deleteWaitsUntilGone() throws Exception {
    assertTrue(ok(null, "delete", "cm", "cfg", "-n", "demo", "--wait").out().contains("configmap \"cfg\" deleted"));
    assertTrue(ok(null, "delete", "deploy", "web", "-n", "demo", "--wait", "--timeout=20s").out()
        .contains("deployment.apps \"web\" deleted"));
    assertEquals(1, kubectl(null, "get", "deploy", "web", "-n", "demo").code());
  }
}
