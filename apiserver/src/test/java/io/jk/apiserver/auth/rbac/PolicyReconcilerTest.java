package io.jk.apiserver.auth.rbac;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.auth.Authorizer;
import io.jk.apiserver.auth.Authorizers;
import io.jk.apiserver.auth.NodeAuthorizer;
import io.jk.apiserver.auth.RequestAttributes;
import io.jk.apiserver.auth.UserInfo;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreFactory;
import io.jk.apiserver.storage.StoreOptions;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap policy's reconciliation, ClusterRole aggregation and the authorization chain,
 * over a real SQLite store (no HTTP).
 */
class PolicyReconcilerTest {

  @TempDir
  Path dir;
  Vertx vertx;
  Store store;
  RbacIndex index;
  PolicyReconciler reconciler;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = StoreFactory.open("sqlite://" + dir.resolve("state.db"), StoreOptions.defaults());
    index = new RbacIndex(store, vertx);
    reconciler = new PolicyReconciler(store, vertx, index);
  }

  @AfterEach
  void close() throws Exception {
    reconciler.close();
    index.close();
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T done(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ObjectNode get(String resource, String name) throws Exception {
    KeyValue kv = done(store.get(RbacIndex.PREFIX + resource + "/" + name));
    return kv == null ? null : Objects.decode(kv);
  }

  private void put(String resource, ObjectNode o) throws Exception {
    String key = RbacIndex.PREFIX + resource + "/" + o.path("metadata").path("name").asText();
    KeyValue kv = done(store.get(key));
    if (kv == null) {
      done(store.create(key, Objects.encode(o)));
    } else {
      done(store.update(key, Objects.encode(o), kv.modRevision()));
    }
  }

  @Test
  void missingBootstrapObjectsAreCreatedAndAutoupdatedOnesCompletedKeepingAdditions() throws Exception {
    done(reconciler.reconcileBootstrap());
    for (String role : List.of("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
        "system:public-info-viewer", "system:kube-scheduler", "system:kube-controller-manager",
        "system:node-proxier", "system:node", "system:monitoring")) {
      assertNotNull(get("clusterroles", role), role);
    }
    assertEquals("system:masters", get("clusterrolebindings", "cluster-admin").path("subjects").get(0).path("name")
        .asText());

    // an administrator empties cluster-admin and adds a subject to system:discovery
    ObjectNode admin = get("clusterroles", "cluster-admin");
    admin.putArray("rules");
    put("clusterroles", admin);
    ObjectNode discovery = get("clusterrolebindings", "system:discovery");
    discovery.withArray("subjects").addObject().put("kind", "User").put("name", "extra");
    put("clusterrolebindings", discovery);
    // and turns autoupdate off on system:monitoring before emptying it
    ObjectNode monitoring = get("clusterroles", "system:monitoring");
    ((ObjectNode) monitoring.path("metadata").path("annotations")).put(BootstrapPolicy.AUTOUPDATE, "false");
    monitoring.putArray("rules");
    put("clusterroles", monitoring);
    done(store.delete(RbacIndex.PREFIX + "clusterroles/system:basic-user",
        done(store.get(RbacIndex.PREFIX + "clusterroles/system:basic-user")).modRevision()));

    done(reconciler.reconcileBootstrap());
    assertEquals(2, get("clusterroles", "cluster-admin").path("rules").size());
    assertEquals(2, get("clusterrolebindings", "system:discovery").path("subjects").size(), "the addition stays");
    assertEquals(0, get("clusterroles", "system:monitoring").path("rules").size(), "autoupdate false is respected");
    assertNotNull(get("clusterroles", "system:basic-user"), "a deleted bootstrap role comes back");
  }

  @Test
  void aggregatedRolesCollectTheRulesOfTheRolesTheirSelectorsMatch() throws Exception {
    done(reconciler.reconcileBootstrap());
    reconciler.startAggregation();
    done(index.start());
    await().atMost(Duration.ofSeconds(5)).until(() -> index.clusterRole("admin").rules().size()
        >= index.clusterRole("edit").rules().size() && !index.clusterRole("view").rules().isEmpty()
        && index.clusterRole("admin").rules().containsAll(index.clusterRole("edit").rules())
        && index.clusterRole("edit").rules().containsAll(index.clusterRole("view").rules()));

    ObjectNode extra = Json.mapper().createObjectNode();
    extra.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "ClusterRole");
    extra.putObject("metadata").put("name", "crontab-viewer").putObject("labels")
        .put(BootstrapPolicy.AGGREGATE_TO + "view", "true");
    extra.putArray("rules").add(PolicyRule.resources(List.of("get"), List.of("stable.example.com"),
        List.of("crontabs")).toJson());
    put("clusterroles", extra);
    RequestAttributes getCrontab = RequestAttributes.resource("get", "stable.example.com", "crontabs", "", "ns",
        "c");
    await().atMost(Duration.ofSeconds(5)).until(() -> index.clusterRole("admin").rules().stream()
        .anyMatch(r -> r.allows(getCrontab)));
    assertTrue(index.clusterRole("view").rules().stream().anyMatch(r -> r.allows(getCrontab)));

    // a RoleBinding to the ClusterRole view grants it in the binding's namespace only
    ObjectNode binding = Json.mapper().createObjectNode();
    binding.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "RoleBinding");
    binding.putObject("metadata").put("name", "v").put("namespace", "ns");
    binding.putObject("roleRef").put("kind", "ClusterRole").put("name", "view");
    binding.putArray("subjects").addObject().put("kind", "Group").put("name", "devs");
    long written = System.nanoTime();
    done(store.create(RbacIndex.PREFIX + "rolebindings/ns/v", Objects.encode(binding)));
    Authorizer chain = Authorizers.forModes(Authorizers.DEFAULT_MODES, new NodeAuthorizer(k -> Optional.empty()),
        new RbacAuthorizer(index));
    UserInfo dev = new UserInfo("dev", "", List.of("devs", UserInfo.AUTHENTICATED));
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(2))
        .until(() -> chain.authorize(dev, getCrontab).allowed());
    System.out.printf("RoleBinding decided from the index after %d ms%n", (System.nanoTime() - written) / 1_000_000);
    // cost of a decision a plain user is refused (every bootstrap binding is looked at): printed, not asserted
    RequestAttributes secrets = RequestAttributes.resource("get", "", "secrets", "", "ns", "s");
    int checks = 200_000;
    long start = System.nanoTime();
    int allowed = 0;
    for (int i = 0; i < checks; i++) {
      allowed += chain.authorize(dev, secrets).allowed() ? 1 : 0;
    }
    assertEquals(0, allowed);
    System.out.printf("Denied checks: %d ns each over %d checks%n", (System.nanoTime() - start) / checks, checks);
    assertFalse(chain.authorize(dev, RequestAttributes.resource("get", "stable.example.com", "crontabs", "", "other",
        "c")).allowed());
    assertFalse(chain.authorize(dev, RequestAttributes.resource("delete", "stable.example.com", "crontabs", "", "ns",
        "c")).allowed());

    // deleting the extra role takes its rules out of the aggregates
    done(store.delete(RbacIndex.PREFIX + "clusterroles/crontab-viewer",
        done(store.get(RbacIndex.PREFIX + "clusterroles/crontab-viewer")).modRevision()));
    await().atMost(Duration.ofSeconds(5)).until(() -> index.clusterRole("admin").rules().stream()
        .noneMatch(r -> r.allows(getCrontab)));
  }

  @Test
  void authorizationModesChainAsKubernetesDoes() {
    UserInfo plain = new UserInfo("plain", "", List.of(UserInfo.AUTHENTICATED));
    UserInfo master = new UserInfo("root", "", List.of(UserInfo.MASTERS, UserInfo.AUTHENTICATED));
    RequestAttributes listPods = RequestAttributes.resource("list", "", "pods", "", "default", "");
    Authorizer rbacOnly = Authorizers.forModes(List.of("Node", "RBAC"), new NodeAuthorizer(k -> Optional.empty()),
        new RbacAuthorizer(index));
    assertFalse(rbacOnly.authorize(plain, listPods).allowed(), "no binding: denied");
    assertTrue(rbacOnly.authorize(master, listPods).allowed(), "system:masters: allowed without any binding");
    Authorizer open = Authorizers.forModes(List.of("AlwaysAllow"), null, null);
    assertTrue(open.authorize(plain, listPods).allowed());
    assertEquals(List.of("--authorization-mode: unknown mode \"ABAC\" (known: AlwaysAllow,AlwaysDeny,Node,RBAC)",
        "--authorization-mode: mode \"RBAC\" given twice"),
        Authorizers.validateModes(List.of("RBAC", "ABAC", "RBAC")));
  }
}
