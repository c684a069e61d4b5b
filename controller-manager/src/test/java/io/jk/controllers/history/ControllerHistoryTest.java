package io.jk.controllers.history;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.json.Json;
import io.jk.controllers.pods.Owners;
import io.jk.testing.TestApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The history read from an informer that lags behind the keeper's own writes. The informer is
 * stopped ("frozen") after it has synced, so its cache shows an older state for as long as the
 * test needs: a revision just created must still be seen and not created twice, one just deleted
 * must not be seen, and a name taken with another template is a hash collision.
 */
class ControllerHistoryTest {

  private static final LabelSelector SELECTOR = new LabelSelectorBuilder().addToMatchLabels("app", "agent").build();

  private TestApiServer api;
  private KubernetesClient client;
  private DaemonSet owner;
  private final List<SharedIndexInformer<ControllerRevision>> informers = new java.util.ArrayList<>();

  @BeforeEach
  void start() {
    api = TestApiServer.start();
    client = api.client();
    // No controller runs: the DaemonSet is only the revisions' owner.
    DaemonSet created = client.apps().daemonSets().inNamespace("default").resource(new DaemonSetBuilder()
        .withNewMetadata().withName("agent").withNamespace("default").endMetadata()
        .withNewSpec().withSelector(SELECTOR).withTemplate(template("busybox:1")).endSpec().build()).create();
    owner = new DaemonSetBuilder(created).withKind("DaemonSet").withApiVersion("apps/v1").build();
  }

  @AfterEach
  void stop() {
    informers.forEach(SharedIndexInformer::stop);
    api.close();
  }

  static PodTemplateSpec template(String image) {
    return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "agent").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().build();
  }

  /** A synced informer over every namespace's revisions, stopped at once when {@code freeze}. */
  private SharedIndexInformer<ControllerRevision> informer(boolean freeze) {
    SharedIndexInformer<ControllerRevision> inf = client.apps().controllerRevisions().inAnyNamespace().runnableInformer(0);
    informers.add(inf);
    inf.start().toCompletableFuture().join();
    if (freeze) {
      inf.stop();
    }
    return inf;
  }

  /** What the API server holds: revision number → name. */
  private Map<Long, String> stored() {
    return client.apps().controllerRevisions().inNamespace("default").list().getItems().stream()
        .collect(Collectors.toMap(ControllerRevision::getRevision, r -> r.getMetadata().getName(), (a, b) -> a + "," + b, TreeMap::new));
  }

  private static Set<String> names(List<ControllerRevision> revisions) {
    return revisions.stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
  }

  @Test
  void aRevisionJustCreatedIsListedAndNotCreatedAgainBeforeTheInformerHasSeenIt() {
    SharedIndexInformer<ControllerRevision> frozen = informer(true);
    ControllerHistory history = new ControllerHistory(client, frozen);

    ControllerRevision first = history.sync(owner, SELECTOR, template("busybox:1"), "h1", 10, r -> false);
    assertEquals("agent-h1", first.getMetadata().getName());
    assertEquals(1L, first.getRevision());
    assertTrue(frozen.getStore().list().isEmpty(), "the frozen cache must not have seen the create");
    assertEquals(Set.of("agent-h1"), names(history.list(owner, SELECTOR)));

    ControllerRevision again = history.sync(owner, SELECTOR, template("busybox:1"), "h1", 10, r -> false);
    assertEquals(first.getMetadata().getUid(), again.getMetadata().getUid());
    ControllerRevision second = history.sync(owner, SELECTOR, template("busybox:2"), "h2", 10, r -> false);
    assertEquals(2L, second.getRevision());
    assertEquals(Map.of(1L, "agent-h1", 2L, "agent-h2"), stored());
    assertEquals(Set.of("agent-h1", "agent-h2"), names(history.list(owner, SELECTOR)));
  }

  @Test
  void aRevisionJustDeletedIsNoLongerListedWhileTheCacheStillHoldsIt() {
    SharedIndexInformer<ControllerRevision> live = informer(false);
    ControllerHistory history = new ControllerHistory(client, live);
    history.sync(owner, SELECTOR, template("busybox:1"), "h1", 0, r -> false);
    await().atMost(Duration.ofSeconds(10)).until(() -> live.getStore().list().size() == 1);
    live.stop(); // from here on the cache keeps showing agent-h1

    ControllerRevision second = history.sync(owner, SELECTOR, template("busybox:2"), "h2", 0, r -> false);
    assertEquals(2L, second.getRevision());
    assertEquals(Map.of(2L, "agent-h2"), stored());
    assertEquals(Set.of("agent-h1"), live.getStore().list().stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet()));
    assertEquals(Set.of("agent-h2"), names(history.list(owner, SELECTOR)));

    // An undo brings the first template back: it is created anew above the lingering number.
    ControllerRevision back = history.sync(owner, SELECTOR, template("busybox:1"), "h1", 0, r -> false);
    assertEquals(3L, back.getRevision());
    assertEquals(Map.of(3L, "agent-h1"), stored());
    assertEquals(Set.of("agent-h1"), names(history.list(owner, SELECTOR)));
  }

  @Test
  void aKeeperWhoseCacheDoesNotShowItsRevisionYetAdoptsItAndRaisesIt() {
    SharedIndexInformer<ControllerRevision> frozen = informer(true);
    ControllerHistory before = new ControllerHistory(client, frozen);
    ControllerRevision first = before.sync(owner, SELECTOR, template("busybox:1"), "h1", 10, r -> false);
    before.sync(owner, SELECTOR, template("busybox:2"), "h2", 10, r -> false);

    // A restarted keeper (no record of its own writes) behind a cache that shows nothing yet.
    ControllerHistory restarted = new ControllerHistory(client, frozen);
    ControllerRevision adopted = restarted.sync(owner, SELECTOR, template("busybox:1"), "h1", 10, r -> false);
    assertEquals(first.getMetadata().getUid(), adopted.getMetadata().getUid());
    assertEquals(Map.of(1L, "agent-h1", 2L, "agent-h2"), stored());

    // With a cache that has caught up, the undone template's revision is raised above the other.
    ControllerHistory caughtUp = new ControllerHistory(client, informer(false));
    ControllerRevision raised = caughtUp.sync(owner, SELECTOR, template("busybox:1"), "h1", 10, r -> false);
    assertEquals(first.getMetadata().getUid(), raised.getMetadata().getUid());
    assertEquals(Map.of(2L, "agent-h2", 3L, "agent-h1"), stored());
  }

  @Test
  void aRevisionOfTheSameNameWithAnotherTemplateIsAHashCollision() {
    // agent-h3 exists, owned by the DaemonSet, but holds busybox:1's template.
    Map<String, Object> otherData = Json.mapper().convertValue(ControllerHistory.templatePatch(template("busybox:1")),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    client.apps().controllerRevisions().inNamespace("default").resource(new ControllerRevisionBuilder()
        .withNewMetadata().withName("agent-h3").withNamespace("default").addToLabels("app", "agent")
        .withOwnerReferences(Owners.controllerRef(owner)).endMetadata()
        .withData(otherData).withRevision(1L).build()).create();

    // Found through a create that answers AlreadyExists (the cache does not show it) ...
    ControllerHistory blind = new ControllerHistory(client, informer(true));
    var e = assertThrows(ControllerHistory.HashCollisionException.class,
        () -> blind.sync(owner, SELECTOR, template("busybox:3"), "h3", 10, r -> false));
    assertEquals("agent-h3", e.revisionName());
    // ... and found in the cache.
    ControllerHistory seeing = new ControllerHistory(client, informer(false));
    assertThrows(ControllerHistory.HashCollisionException.class,
        () -> seeing.sync(owner, SELECTOR, template("busybox:3"), "h3", 10, r -> false));
    // The same template under that name is no collision.
    assertEquals("agent-h3", seeing.sync(owner, SELECTOR, template("busybox:1"), "h3", 10, r -> false).getMetadata().getName());
    assertEquals(Map.of(1L, "agent-h3"), stored());
  }

  @Test
  void aTemplateOfManyFieldTypesMatchesItsStoredRevisionOnceTheCacheHasIt() {
    // Longs, ints, quantities, int-or-strings, booleans and nested lists survive the round trip
    // through the API server and the informer: a mismatch here would raise collisionCount on every sync.
    PodTemplateSpec rich = new PodTemplateSpecBuilder(template("busybox:1")).editSpec()
        .withTerminationGracePeriodSeconds(45L).withActiveDeadlineSeconds(600L).withHostNetwork(false)
        .withNewSecurityContext().withRunAsUser(1000L).withFsGroup(2000L).endSecurityContext()
        .editFirstContainer().addNewPort().withContainerPort(8080).withProtocol("TCP").endPort()
        .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("100m"))
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("1.5Gi")).endResources()
        .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withNewPort("http").endHttpGet()
        .withPeriodSeconds(5).withFailureThreshold(3).endReadinessProbe()
        .withArgs("--x", "1").addNewEnv().withName("A").withValue("b").endEnv().endContainer().endSpec().build();
    ControllerHistory history = new ControllerHistory(client, informer(false));
    ControllerRevision first = history.sync(owner, SELECTOR, rich, "h1", 10, r -> false);
    await().atMost(Duration.ofSeconds(10)).until(() -> informers.get(0).getStore().list().size() == 1);
    ControllerHistory fromCache = new ControllerHistory(client, informers.get(0));
    assertEquals(first.getMetadata().getUid(), fromCache.sync(owner, SELECTOR, rich, "h1", 10, r -> false).getMetadata().getUid());
    assertEquals(Map.of(1L, "agent-h1"), stored());
  }
}
