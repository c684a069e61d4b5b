package io.jk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.jk.testing.TestApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Day-to-day commands (scale, label, annotate, patch, rollout, cordon, drain, describe, wait,
 * config, version) driven as a user would, with kubectl side by side where its output is stable.
 * No kubelet runs: tests set pod and deployment status through the API where they need it.
 */
class OperationsTest {

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

  static Cli.Result ok(Cli.Result r) {
    assertEquals(0, r.exitCode(), r::toString);
    return r;
  }

  static JsonNode json(String... args) throws Exception {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "-o";
    all[args.length + 1] = "json";
    return Json.mapper().readTree(ok(cli.jkctl(all)).out());
  }

  static void apply(String yaml) {
    ok(cli.jkctlWithInput(yaml, "apply", "-f", "-"));
  }

  static String deployment(String name) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  replicas: 2\n"
        + "  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n"
        + "    spec: {containers: [{name: c, image: busybox}]}\n";
  }

  @Test
  void scaleLabelAnnotateAndPatch() throws Exception {
    apply(deployment("ops"));
    assertEquals("deployment.apps/ops scaled\n", ok(cli.jkctl("scale", "deploy/ops", "--replicas=5")).out());
    assertEquals(5, json("get", "deploy", "ops").path("spec").path("replicas").asInt());

    assertEquals("deployment.apps/ops labeled\n", ok(cli.jkctl("label", "deploy", "ops", "tier=web")).out());
    Cli.Result clash = cli.jkctl("label", "deploy", "ops", "tier=db");
    assertEquals(cli.kubectl("label", "deploy", "ops", "tier=db").err(), clash.err());
    assertEquals(1, clash.exitCode());
    ok(cli.jkctl("label", "deploy", "ops", "tier=db", "--overwrite"));
    assertEquals("db", json("get", "deploy", "ops").path("metadata").path("labels").path("tier").asText());
    ok(cli.jkctl("label", "deploy", "ops", "tier-"));
    assertTrue(json("get", "deploy", "ops").path("metadata").path("labels").path("tier").isMissingNode());

    assertEquals("deployment.apps/ops annotated\n", ok(cli.jkctl("annotate", "deploy/ops", "note=hi")).out());
    assertEquals("hi", json("get", "deploy", "ops").path("metadata").path("annotations").path("note").asText());

    assertEquals("deployment.apps/ops patched\n",
        ok(cli.jkctl("patch", "deploy", "ops", "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:2\"}]}}}}")).out());
    assertEquals("busybox:2", json("get", "deploy", "ops").path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
    assertEquals("deployment.apps/ops patched (no change)\n",
        ok(cli.jkctl("patch", "deploy", "ops", "--type", "merge", "-p", "{\"spec\":{\"replicas\":5}}")).out());
    ok(cli.jkctl("patch", "deploy", "ops", "--type", "json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]"));
    assertEquals(1, json("get", "deploy", "ops").path("spec").path("replicas").asInt());
    Cli.Result missing = cli.jkctl("scale", "deploy", "nope", "--replicas=1");
    assertEquals(new Cli.Result(1, "", "Error from server (NotFound): deployments.apps \"nope\" not found\n"), missing);
  }

  @Test
  void rolloutStatusWaitsForTheNewReplicasAndRestartPauseResumeWork() throws Exception {
    apply(deployment("roll"));
    // no controller-manager runs here: play its part by writing the status
    JsonNode d = json("get", "deploy", "roll");
    long gen = d.path("metadata").path("generation").asLong();
    String status = "{\"status\":{\"observedGeneration\":" + gen + ",\"replicas\":2,\"updatedReplicas\":2,"
        + "\"readyReplicas\":1,\"availableReplicas\":1}}";
    ok(cli.jkctl("patch", "deploy", "roll", "--subresource", "status", "--type", "merge", "-p", status));
    Cli.Result waiting = cli.jkctl("rollout", "status", "deploy/roll", "--watch=false");
    Cli.Result kcWaiting = cli.kubectl("rollout", "status", "deploy/roll", "--watch=false");
    assertEquals(kcWaiting, waiting);
    assertEquals("Waiting for deployment \"roll\" rollout to finish: 1 of 2 updated replicas are available...\n", waiting.out());

    ok(cli.jkctl("patch", "deploy", "roll", "--subresource", "status", "--type", "merge", "-p",
        status.replace("\"availableReplicas\":1", "\"availableReplicas\":2").replace("\"readyReplicas\":1", "\"readyReplicas\":2")));
    Cli.Result done = cli.jkctl("rollout", "status", "deployment", "roll", "--timeout=10s");
    assertEquals(cli.kubectl("rollout", "status", "deployment", "roll", "--timeout=10s"), done);

    assertEquals("deployment.apps/roll restarted\n", ok(cli.jkctl("rollout", "restart", "deploy/roll")).out());
    assertTrue(json("get", "deploy", "roll").path("spec").path("template").path("metadata").path("annotations")
        .has("kubectl.kubernetes.io/restartedAt"));
    assertEquals("deployment.apps/roll paused\n", ok(cli.jkctl("rollout", "pause", "deploy/roll")).out());
    Cli.Result twice = cli.jkctl("rollout", "pause", "deploy/roll");
    assertEquals(1, twice.exitCode());
    assertEquals("deployment.apps/roll resumed\n", ok(cli.jkctl("rollout", "resume", "deploy/roll")).out());
    assertEquals("deployment.apps/roll\nREVISION   CHANGE-CAUSE\n", ok(cli.jkctl("rollout", "history", "deploy/roll")).out()
        .replaceAll("\n\n$", "\n"));
  }

  @Test
  void cordonDrainAndUncordonEvictThePodsLikeKubectl() throws Exception {
    for (String n : new String[] {"n1", "n2"}) {
      apply("apiVersion: v1\nkind: Node\nmetadata: {name: " + n + "}\n");
    }
    apply("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: rs}}\n"
        + "  template:\n    metadata: {labels: {app: rs}}\n    spec: {containers: [{name: c, image: busybox}]}\n");
    String rsUid = json("get", "rs", "rs").path("metadata").path("uid").asText();
    for (String[] p : new String[][] {{"p1", "n1"}, {"p2", "n2"}}) {
      apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + p[0] + "\n  labels: {app: rs}\n  ownerReferences:\n"
          + "  - {apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: " + rsUid + ", controller: true}\n"
          + "spec:\n  nodeName: " + p[1] + "\n  containers: [{name: c, image: busybox}]\n");
    }
    apply("apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  nodeName: n1\n  containers: [{name: c, image: busybox}]\n");

    assertEquals("node/n2 cordoned\n", ok(cli.jkctl("cordon", "n2")).out());
    assertEquals(cli.kubectl("cordon", "n2"), cli.jkctl("cordon", "n2"));
    assertEquals("node/n2 already cordoned\n", ok(cli.jkctl("cordon", "n2")).out());
    assertEquals("node/n2 uncordoned\n", ok(cli.jkctl("uncordon", "n2")).out());

    // a pod without a controller stops the drain, as in kubectl
    Cli.Result refused = cli.jkctl("drain", "n1", "--grace-period=0");
    ok(cli.jkctl("uncordon", "n1"));
    Cli.Result kcRefused = cli.kubectl("drain", "n1", "--grace-period=0");
    assertEquals(kcRefused.exitCode(), refused.exitCode());
    assertEquals(kcRefused.out(), refused.out());
    assertTrue(refused.err().contains("cannot delete Pods that declare no controller (use --force to override): default/bare"),
        refused::toString);
    ok(cli.jkctl("uncordon", "n1"));

    Cli.Result drained = cli.jkctl("drain", "n1", "--force", "--grace-period=0", "--timeout=20s");
    assertEquals(0, drained.exitCode(), drained::toString);
    assertTrue(drained.out().startsWith("node/n1 cordoned\n"), drained::toString);
    assertTrue(drained.out().contains("evicting pod default/p1\n") && drained.out().contains("pod/p1 evicted\n")
        && drained.out().endsWith("node/n1 drained\n"), drained::toString);
    assertEquals(1, cli.jkctl("get", "pod", "p1").exitCode());
    assertEquals(0, cli.jkctl("get", "pod", "p2").exitCode(), "pods on other nodes stay");
    assertTrue(json("get", "node", "n1").path("spec").path("unschedulable").asBoolean());

    // kubectl drains the other node the same way
    Cli.Result kc = cli.kubectl("drain", "n2", "--force", "--grace-period=0", "--timeout=20s");
    Cli.Result jkDescribe = cli.jkctl("describe", "node", "n2");
    assertEquals(0, kc.exitCode(), kc::toString);
    assertTrue(jkDescribe.out().contains("Unschedulable:  true"), jkDescribe::toString);
  }

  @Test
  void describeShowsWhatKubectlShows() {
    apply(deployment("desc"));
    apply("apiVersion: v1\nkind: Service\nmetadata: {name: desc}\nspec:\n  selector: {app: desc}\n  ports: [{port: 80}]\n");
    apply("apiVersion: v1\nkind: Pod\nmetadata: {name: desc-pod, labels: {app: desc}}\nspec: {containers: [{name: c, image: busybox}]}\n");
    for (String[] a : new String[][] {{"describe", "deploy", "desc"}, {"describe", "svc", "desc"}, {"describe", "pod", "desc-pod"}}) {
      Cli.Result jk = ok(cli.jkctl(a));
      Cli.Result kc = ok(cli.kubectl(a));
      for (String key : new String[] {"Name:", "Namespace:", "Labels:", "Selector:", "Replicas:", "StrategyType:",
          "Type:", "IP Families:", "Status:", "Image:", "Events:"}) {
        String want = line(kc.out(), key);
        if (want != null) {
          assertEquals(want, line(jk.out(), key), () -> key + "\njkctl:\n" + jk.out() + "\nkubectl:\n" + kc.out());
        }
      }
    }
    assertEquals(new Cli.Result(1, "", "Error from server (NotFound): pods \"nope\" not found\n"), cli.jkctl("describe", "pod", "nope"));
  }

  static String line(String text, String key) {
    for (String l : text.split("\n")) {
      if (l.startsWith(key)) {
        return l.strip().replaceAll("\\s+", " ");
      }
    }
    return null;
  }

  @Test
  void waitForConditionsAndDeletion() {
    apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: waited}\n");
    assertEquals(new Cli.Result(0, "configmap/waited condition met\n", ""),
        cli.jkctl("wait", "--for=jsonpath={.metadata.name}=waited", "cm/waited", "--timeout=5s"));
    Cli.Result timeout = cli.jkctl("wait", "--for=delete", "cm/waited", "--timeout=1s");
    assertEquals(new Cli.Result(1, "", "error: timed out waiting for the condition on configmaps/waited\n"), timeout);
    ok(cli.jkctl("delete", "cm", "waited"));
    assertEquals(new Cli.Result(0, "configmap/waited condition met\n", ""), cli.jkctl("wait", "--for=delete", "cm/waited"));
  }

  @Test
  void configContextsVersionAndDiscovery() throws Exception {
    Path copy = api.dir().resolve("copy.kubeconfig");
    Files.copy(api.kubeconfig(), copy);
    Cli local = new Cli(copy);
    try {
      assertEquals("CURRENT   NAME      CLUSTER   AUTHINFO   NAMESPACE\n*         jk-test   jk-test   admin      default\n",
          ok(local.jkctl("config", "get-contexts")).out());
      assertEquals(ok(local.kubectl("config", "get-contexts")).out(), ok(local.jkctl("config", "get-contexts")).out());
      assertEquals("Context \"other\" created.\n", ok(local.jkctl("config", "set-context", "other", "--cluster=jk-test",
          "--user=admin", "--namespace=demo")).out());
      assertEquals("Switched to context \"other\".\n", ok(local.jkctl("config", "use-context", "other")).out());
      assertEquals("other\n", ok(local.kubectl("config", "current-context")).out(), "kubectl reads what jkctl wrote");
      Cli.Result none = local.jkctl("get", "cm");
      assertEquals("No resources found in demo namespace.\n", none.err());
      assertTrue(ok(local.jkctl("config", "view")).out().contains("token: REDACTED"));
      assertEquals(1, local.jkctl("config", "use-context", "missing").exitCode());
    } finally {
      local.close();
    }
    assertTrue(ok(cli.jkctl("version")).out().matches("(?s)Client Version: .*\nServer Version: v1\\.32.*"));
    String resources = ok(cli.jkctl("api-resources")).out();
    assertTrue(resources.startsWith("NAME"), resources);
    assertTrue(resources.lines().anyMatch(l -> l.matches("deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment")), resources);
    assertTrue(ok(cli.jkctl("completion", "bash")).out().contains("complete -F"));
    assertTrue(ok(cli.jkctl("cluster-info")).out().startsWith("Kubernetes control plane is running at " + api.url()));
  }

  @Test
  void unreachableServerAndMissingKubeconfigFailClearly() throws Exception {
    Path dead = api.dir().resolve("dead.kubeconfig");
    Files.writeString(dead, Files.readString(api.kubeconfig()).replace(api.url(), "http://127.0.0.1:1"));
    Cli deadCli = new Cli(dead);
    Cli.Result r = deadCli.jkctl("get", "pods");
    deadCli.close();
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("error: The connection to the server 127.0.0.1:1 was refused"), r::toString);
    Cli noConfigCli = new Cli(api.dir().resolve("none"));
    Cli.Result noConfig = noConfigCli.jkctl("get", "pods");
    noConfigCli.close();
    assertEquals(1, noConfig.exitCode());
    assertTrue(noConfig.err().startsWith("error: no context is set"), noConfig::toString);
  }

  @Test
  void editReplacesWhatTheEditorChanged() throws Exception {
    apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edited}\ndata: {k: before}\n");
    Cli.Result r = cli.jkctlWithEnv(java.util.Map.of("EDITOR", "sed -i s/before/after/"), "", "edit", "cm", "edited");
    assertEquals(new Cli.Result(0, "configmap/edited edited\n", ""), r);
    assertEquals("after", json("get", "cm", "edited").path("data").path("k").asText());
    Cli.Result same = cli.jkctlWithEnv(java.util.Map.of("EDITOR", "true"), "", "edit", "cm/edited");
    assertEquals(new Cli.Result(0, "Edit cancelled, no changes made.\n", ""), same);
  }

  @Test
  void execLogsAndTopWithoutAKubeletFailWithAClearError() {
    apply("apiVersion: v1\nkind: Pod\nmetadata: {name: lonely}\nspec: {containers: [{name: c, image: busybox}]}\n");
    // the same words and exit codes as kubectl's
    Cli.Result exec = cli.jkctl("exec", "lonely", "--", "true");
    assertEquals(new Cli.Result(1, "", "error: pod lonely does not have a host assigned\n"), exec);
    assertEquals(cli.kubectl("exec", "lonely", "--", "true"), exec);
    Cli.Result logs = cli.jkctl("logs", "lonely");
    assertEquals(1, logs.exitCode(), logs::toString);
    assertEquals(cli.kubectl("logs", "lonely"), logs);
    Cli.Result noPod = cli.jkctl("logs", "nope");
    assertEquals(new Cli.Result(1, "", "error: error from server (NotFound): pods \"nope\" not found in namespace \"default\"\n"),
        noPod);
    assertEquals(cli.kubectl("logs", "nope"), noPod);
    assertEquals(1, cli.jkctl("exec", "lonely").exitCode(), "a command is required");
  }

  @Test
  void execExitCodeComesFromTheStatusFrame() {
    assertEquals(0, ExecCommand.exitCode("{\"status\":\"Success\"}"));
    assertEquals(3, ExecCommand.exitCode("{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":"
        + "{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}"));
  }
}
