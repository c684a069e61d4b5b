package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code jkctl apply|create|replace|delete -f}, checked against what the real kubectl sees and does. */
class ApplyCommandTest {

  static TestApiServer api;
  static Cli cli;

  @BeforeAll
  static void start() {
    api = TestApiServer.start();
    cli = new Cli(api.kubeconfig());
  }

  @AfterAll
  static void stop() {
    cli.close();
    api.close();
  }

  static Path write(String name, String text) throws Exception {
    Path f = api.dir().resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  static JsonNode live(String... args) throws Exception {
    Cli.Result r = cli.jkctl(concat(args, "-o", "json"));
    assertEquals(0, r.exitCode(), r::toString);
    return Json.mapper().readTree(r.out());
  }

  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static final String V1 = """
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
            - name: httpd
              image: busybox:1
              env: [{name: A, value: "1"}, {name: B, value: "2"}]
            - {name: side, image: busybox:1}
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: page}
      data: {a: "1", b: "2"}
      """;

  static final String V2 = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, labels: {app: web}}
      spec:
        replicas: 3
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
            - name: httpd
              image: busybox:2
              env: [{name: B, value: "2"}]
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: page}
      data: {b: "3"}
      """;

  @Test
  void applyCreatesThenLeavesUnchangedThenRemovesWhatTheFileNoLongerHas() throws Exception {
    Path f = write("app.yaml", V1);
    Cli.Result first = cli.jkctl("apply", "-f", f.toString());
    assertEquals(new Cli.Result(0, "deployment.apps/web created\nconfigmap/page created\n", ""), first);
    Cli.Result again = cli.jkctl("apply", "-f", f.toString());
    assertEquals("deployment.apps/web unchanged\nconfigmap/page unchanged\n", again.out());
    // kubectl reads jkctl's last-applied annotation the same way
    assertEquals("deployment.apps/web unchanged\nconfigmap/page unchanged\n", cli.kubectl("apply", "-f", f.toString()).out());

    // a label another client set is kept: apply only owns what it applied
    assertEquals(0, cli.jkctl("label", "deploy", "web", "owner=ops").exitCode());

    write("app.yaml", V2);
    Cli.Result changed = cli.jkctl("apply", "-f", f.toString());
    assertEquals(new Cli.Result(0, "deployment.apps/web configured\nconfigmap/page configured\n", ""), changed);
    JsonNode d = live("get", "deploy", "web");
    JsonNode containers = d.path("spec").path("template").path("spec").path("containers");
    assertEquals(1, containers.size(), containers::toString);
    assertEquals("busybox:2", containers.get(0).path("image").asText());
    assertEquals("[{\"name\":\"B\",\"value\":\"2\"}]", containers.get(0).path("env").toString());
    assertEquals(3, d.path("spec").path("replicas").asInt());
    assertEquals("ops", d.path("metadata").path("labels").path("owner").asText());
    assertEquals("{\"b\":\"3\"}", live("get", "cm", "page").path("data").toString());
    assertEquals("deployment.apps/web unchanged\nconfigmap/page unchanged\n", cli.kubectl("apply", "-f", f.toString()).out());
    assertEquals("deployment.apps/web unchanged\nconfigmap/page unchanged\n", cli.jkctl("apply", "-f", f.toString()).out());

    // and the other way round: what kubectl applied, jkctl updates
    write("app.yaml", V1);
    assertEquals(0, cli.kubectl("apply", "-f", f.toString()).exitCode());
    write("app.yaml", V2);
    assertEquals("deployment.apps/web configured\nconfigmap/page configured\n", cli.jkctl("apply", "-f", f.toString()).out());
    assertEquals(1, live("get", "deploy", "web").path("spec").path("template").path("spec").path("containers").size());
  }

  @Test
  void applyReadsDirectoriesStdinAndJsonLists() throws Exception {
    write("dir/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-a}\n");
    write("dir/sub/b.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
        + "\"metadata\":{\"name\":\"dir-b\"}},{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dir-c\"}}]}");
    write("dir/notes.txt", "not a manifest");
    Path dir = api.dir().resolve("dir");
    assertEquals("configmap/dir-a created\n", cli.jkctl("apply", "-f", dir.toString()).out());
    assertEquals("configmap/dir-a unchanged\nconfigmap/dir-b created\nconfigmap/dir-c created\n",
        cli.jkctl("apply", "-R", "-f", dir.toString()).out());
    Cli.Result stdin = cli.jkctlWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n", "apply", "-f", "-");
    assertEquals(new Cli.Result(0, "configmap/from-stdin created\n", ""), stdin);
  }

  @Test
  void badManifestsNameTheFileTheDocumentAndTheField() throws Exception {
    Path f = write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nmetadata: {name: x}\n");
    Cli.Result r = cli.jkctl("apply", "-f", f.toString());
    assertEquals(1, r.exitCode());
    assertEquals("error: error validating \"" + f + "\" (document 2): field \"kind\" is missing\n", r.err());
    assertEquals("", r.out(), "nothing is applied from a file with a bad document");

    Path g = write("syntax.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
    Cli.Result s = cli.jkctl("apply", "-f", g.toString());
    assertEquals(1, s.exitCode());
    assertTrue(s.err().startsWith("error: error parsing " + g + " (document 1): "), s::toString);

    Path h = write("noname.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n");
    assertEquals("error: error validating \"" + h + "\" (document 1): field \"metadata.name\" is required\n",
        cli.jkctl("apply", "-f", h.toString()).err());

    Cli.Result missing = cli.jkctl("apply", "-f", "/nonexistent/x.yaml");
    assertEquals(new Cli.Result(1, "", "error: the path \"/nonexistent/x.yaml\" does not exist\n"), missing);
  }

  @Test
  void serverErrorsReadAsKubectlsAndTheExitCodeIsNonZero() throws Exception {
    Path f = write("dup.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\n");
    assertEquals("configmap/dup created\n", cli.jkctl("create", "-f", f.toString()).out());
    Cli.Result jk = cli.jkctl("create", "-f", f.toString());
    Cli.Result kc = cli.kubectl("create", "-f", f.toString());
    assertEquals(kc.exitCode(), jk.exitCode());
    assertEquals(kc.err(), jk.err());

    Path ns = write("ns.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nowhere}\n");
    Cli.Result jkNs = cli.jkctl("apply", "-f", ns.toString());
    Cli.Result kcNs = cli.kubectl("apply", "-f", ns.toString());
    assertEquals(1, jkNs.exitCode());
    assertEquals(kcNs.exitCode(), jkNs.exitCode());
    assertTrue(jkNs.err().startsWith("Error from server (NotFound): error when creating \"" + ns + "\": "), jkNs::toString);
  }

  @Test
  void serverSideApplyReplaceAndDeleteByFile() throws Exception {
    Path f = write("ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {k: v}\n");
    assertEquals(new Cli.Result(0, "configmap/ssa serverside-applied\n", ""), cli.jkctl("apply", "--server-side", "-f", f.toString()));
    assertEquals("v", live("get", "cm", "ssa").path("data").path("k").asText());

    write("ssa.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {k: w}\n");
    assertEquals(new Cli.Result(0, "configmap/ssa replaced\n", ""), cli.jkctl("replace", "-f", f.toString()));
    assertEquals("w", live("get", "cm", "ssa").path("data").path("k").asText());

    assertEquals(new Cli.Result(0, "configmap \"ssa\" deleted\n", ""), cli.jkctl("delete", "-f", f.toString()));
    Cli.Result gone = cli.jkctl("get", "cm", "ssa");
    assertEquals(new Cli.Result(1, "", "Error from server (NotFound): configmaps \"ssa\" not found\n"), gone);
    Cli.Result again = cli.jkctl("delete", "-f", f.toString());
    assertEquals(cli.kubectl("delete", "-f", f.toString()).err(), again.err());
    assertEquals(1, again.exitCode());
    assertEquals(0, cli.jkctl("delete", "-f", f.toString(), "--ignore-not-found").exitCode());
  }

  @Test
  void deleteByNameAndBySelector() {
    for (String n : new String[] {"del-a", "del-b", "del-c"}) {
      cli.jkctlWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + n + ", labels: {group: "
          + (n.equals("del-c") ? "keep" : "drop") + "}}\n", "apply", "-f", "-");
    }
    assertEquals(new Cli.Result(0, "configmap \"del-a\" deleted\nconfigmap \"del-b\" deleted\n", ""),
        cli.jkctl("delete", "cm", "-l", "group=drop"));
    assertEquals(new Cli.Result(0, "configmap \"del-c\" deleted\n", ""), cli.jkctl("delete", "cm/del-c", "--cascade=background"));
    assertEquals(1, cli.jkctl("delete", "cm", "del-c").exitCode());
    assertEquals("error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\"\n",
        cli.jkctl("delete", "cm", "x", "--cascade=sideways").err());
  }

  @Test
  void threeWayPatchDeletesKeyedListItemsAndSetsTheirOrder() throws Exception {
    var m = Json.mapper();
    JsonNode original = m.readTree("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"x\"}]},\"data\":{\"k\":1}}");
    JsonNode modified = m.readTree("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}");
    JsonNode current = m.readTree("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"tty\":true},{\"name\":\"b\",\"image\":\"x\"}]},\"data\":{\"k\":1},\"status\":{}}");
    var schema = io.jk.apiserver.patch.PatchSchema.forKind("", "Pod");
    JsonNode patch = ThreeWayPatch.create(original, modified, current, schema);
    assertEquals("{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"}],\"containers\":[{\"name\":\"a\",\"image\":\"y\"},"
        + "{\"$patch\":\"delete\",\"name\":\"b\"}]},\"data\":null}", patch.toString());
    assertFalse(patch.path("spec").path("containers").get(0).has("tty"), "fields only the server set are kept");
  }
}
