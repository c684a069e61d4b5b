package io.jk.kubelet.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What jk hands CNI plugins, seen by a recording plugin (a shell script): the environment, the
 * network config with {@code runtimeConfig.portMappings}, and the cached {@code prevResult} for
 * CHECK and DEL. No namespaces, no root.
 */
class CniProtocolTest {

  @TempDir Path dir;

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void passesEnvironmentRuntimeConfigAndPrevResult() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path rec = Files.createDirectories(dir.resolve("rec"));
    Path plugin = bin.resolve("recorder");
    Files.writeString(plugin, """
        #!/bin/sh
        cat > %1$s/$CNI_COMMAND.json
        env | grep '^CNI_' | sort > %1$s/$CNI_COMMAND.env
        if [ "$CNI_COMMAND" = ADD ]; then
          echo '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}],"ips":[{"address":"10.9.9.9/24","gateway":"10.9.9.1","interface":0}]}'
        fi
        """.formatted(rec));
    Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf = Files.createDirectories(dir.resolve("net.d"));
    Files.writeString(conf.resolve("20-second.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"second\",\"plugins\":[{\"type\":\"nope\"}]}");
    Files.writeString(conf.resolve("10-rec.conflist"), """
        {"cniVersion": "1.0.0", "name": "rec", "plugins": [
          {"type": "recorder", "capabilities": {"portMappings": true}, "custom": 7}]}
        """);
    Path netns = Files.writeString(dir.resolve("fake-netns"), "");
    CniPodNetwork net = new CniPodNetwork(new CniConfig(conf, List.of(bin), dir.resolve("data"), null, null, "jk0"));
    try {
      SandboxNetworkRef sb = new SandboxNetworkRef("sandbox1", netns, "team", "web-0", "uid-1",
          List.of(new SandboxNetworkRef.PortMapping(8080, 80, "TCP", "")));
      PodNetworkStatus status = await(net.setUp(sb));
      assertEquals(new PodNetworkStatus(List.of("10.9.9.9"), "10.9.9.1"), status);

      JsonNode add = Json.mapper().readTree(rec.resolve("ADD.json").toFile());
      assertEquals("rec", add.path("name").asText(), "the first .conflist by name");
      assertEquals(7, add.path("custom").asInt());
      assertEquals("1.0.0", add.path("cniVersion").asText());
      JsonNode pm = add.path("runtimeConfig").path("portMappings").get(0);
      assertEquals(8080, pm.path("hostPort").asInt());
      assertEquals(80, pm.path("containerPort").asInt());
      assertEquals("tcp", pm.path("protocol").asText());
      assertFalse(add.has("prevResult"));
      String env = Files.readString(rec.resolve("ADD.env"));
      assertTrue(env.contains("CNI_COMMAND=ADD\n"), env);
      assertTrue(env.contains("CNI_CONTAINERID=sandbox1\n"), env);
      assertTrue(env.contains("CNI_IFNAME=eth0\n"), env);
      assertTrue(env.contains("CNI_NETNS=" + netns + "\n"), env);
      assertTrue(env.contains("CNI_PATH=" + bin + "\n"), env);
      assertTrue(env.contains("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=team;K8S_POD_NAME=web-0;"
          + "K8S_POD_INFRA_CONTAINER_ID=sandbox1;K8S_POD_UID=uid-1\n"), env);

      await(net.check(sb));
      JsonNode check = Json.mapper().readTree(rec.resolve("CHECK.json").toFile());
      assertEquals("10.9.9.9/24", check.path("prevResult").path("ips").get(0).path("address").asText());

      // the config changes after ADD: DEL still uses the config and result cached at ADD
      Files.delete(conf.resolve("10-rec.conflist"));
      await(net.tearDown(sb));
      JsonNode del = Json.mapper().readTree(rec.resolve("DEL.json").toFile());
      assertEquals("rec", del.path("name").asText());
      assertEquals("10.9.9.9/24", del.path("prevResult").path("ips").get(0).path("address").asText());
      try (var s = Files.list(dir.resolve("data/results"))) {
        assertEquals(0, s.count());
      }
    } finally {
      net.close();
    }
  }
}
