package io.jk.apiserver.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** apps/v1 ControllerRevision: validation, immutability of data, Table, served and discovered for kubectl. */
class ControllerRevisionStrategyTest {

  static final String OWNED = "{'apiVersion':'apps/v1','kind':'ControllerRevision','metadata':{'name':'agent-5d8f',"
      + "'namespace':'default','creationTimestamp':'2026-01-01T11:55:00Z','ownerReferences':[{'apiVersion':'apps/v1',"
      + "'kind':'DaemonSet','name':'agent','uid':'u1','controller':true}]},'data':{'spec':{'template':{'$patch':'replace'}}},"
      + "'revision':3}";

  @Test
  void tableShowsControllerAndRevisionAsKubeApiserverPrintsThem() {
    ControllerRevisionStrategy s = new ControllerRevisionStrategy();
    assertEquals(List.of("Name", "Controller", "Revision", "Age"), s.tableColumns().stream().map(c -> c.name()).toList());
    assertEquals(List.of("agent-5d8f", "daemonset.apps/agent", 3L, "5m"),
        s.tableCells(Fixtures.json(OWNED), Instant.parse("2026-01-01T12:00:00Z")));
    assertEquals(List.of("x", "<none>", 0L, "5m"), s.tableCells(Fixtures.json(
        "{'metadata':{'name':'x','creationTimestamp':'2026-01-01T11:55:00Z'},'data':{}}"), Instant.parse("2026-01-01T12:00:00Z")));
  }

  @Test
  void dataIsRequiredAndImmutableRevisionNonNegativeAndRaisable() {
    ControllerRevisionStrategy s = new ControllerRevisionStrategy();
    assertEquals(List.of(), s.validate(Fixtures.json(OWNED)));
    var noData = Fixtures.json("{'metadata':{'name':'r'},'revision':1}");
    assertEquals("data", s.validate(noData).get(0).field());
    assertEquals("Required value: data is mandatory", s.validate(noData).get(0).message());
    var negative = Fixtures.json("{'metadata':{'name':'r'},'data':{},'revision':-1}");
    assertEquals("Invalid value: -1: must be greater than or equal to 0", s.validate(negative).get(0).message());
    var missingRevision = Fixtures.json("{'metadata':{'name':'r'},'data':{}}");
    s.applyDefaults(missingRevision);
    assertEquals(0L, missingRevision.get("revision").longValue());

    var old = Fixtures.json(OWNED);
    var raised = Fixtures.json(OWNED);
    raised.put("revision", 7);
    assertEquals(List.of(), s.validateUpdate(raised, old), "controllers raise the revision of a re-used template");
    var changed = Fixtures.json(OWNED);
    changed.set("data", Fixtures.json("{'spec':{}}"));
    assertEquals("data", s.validateUpdate(changed, old).get(0).field());
    assertTrue(s.validateUpdate(changed, old).get(0).message().endsWith("field is immutable"));
  }

  @Test
  void kubectlCreatesGetsAndDiscoversControllerRevisions() throws Exception {
    Assumptions.assumeTrue(LiveServer.hasKubectl(), "needs the real kubectl");
    try (LiveServer server = new LiveServer()) {
      LiveServer.Run resources = server.kubectl(null, "api-resources", "--api-group=apps", "--no-headers");
      assertEquals(0, resources.exit(), resources.out());
      assertTrue(resources.out().lines().anyMatch(l -> l.matches("controllerrevisions\\s+apps/v1\\s+true\\s+ControllerRevision")),
          resources.out());
      JsonNode legacy = server.send("GET", "/apis/apps/v1", null).json();
      assertTrue(legacy.toString().contains("\"name\":\"controllerrevisions\""), legacy.toString());

      String yaml = String.join("\n", "apiVersion: apps/v1", "kind: ControllerRevision", "metadata:", "  name: web-1",
          "data: {spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx}]},"
              + " $patch: replace}}}",
          "revision: 1", "");
      LiveServer.Run created = server.kubectl(yaml, "create", "-f", "-");
      assertEquals(0, created.exit(), created.out());
      LiveServer.Run got = server.kubectl(null, "get", "controllerrevisions");
      assertEquals(0, got.exit(), got.out());
      assertTrue(got.out().lines().findFirst().orElse("").matches("NAME\\s+CONTROLLER\\s+REVISION\\s+AGE"), got.out());
      assertTrue(got.out().lines().anyMatch(l -> l.matches("web-1\\s+<none>\\s+1\\s+\\S+")), got.out());
      LiveServer.Run image = server.kubectl(null, "get", "controllerrevision", "web-1", "-o",
          "jsonpath={.data.spec.template.spec.containers[0].image}");
      assertEquals("nginx", image.out().trim());

      LiveServer.Run bad = server.kubectl(yaml.replace("revision: 1", "revision: -2").replace("web-1", "web-2"), "create", "-f", "-");
      assertTrue(bad.exit() != 0 && bad.out().contains("revision: Invalid value: -2: must be greater than or equal to 0"), bad.out());
      LiveServer.Run mutate = server.kubectl(null, "patch", "controllerrevision", "web-1", "--type=merge", "-p",
          "{\"data\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"evil\"}]}}}}}");
      assertTrue(mutate.exit() != 0 && mutate.out().contains("field is immutable"), mutate.out());
      LiveServer.Run raise = server.kubectl(null, "patch", "controllerrevision", "web-1", "--type=merge", "-p", "{\"revision\":4}");
      assertEquals(0, raise.exit(), raise.out());
    }
  }
}
