package io.jk.controllers.daemonset;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.jk.common.controller.Controller;
import io.jk.common.controller.ControllerExpectations;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.deployment.PodTemplateHash;
import io.jk.controllers.deployment.RollingMath;
import io.jk.controllers.history.ControllerHistory;
import io.jk.controllers.nodelifecycle.Taints;
import io.jk.controllers.pods.Owners;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pod per eligible node for every DaemonSet ({@code pkg/controller/daemon}). A node is
 * eligible when it matches the template's {@code nodeSelector} and the pod tolerates its
 * NoSchedule/NoExecute taints (DaemonSet pods get Kubernetes' default tolerations for
 * not-ready, unreachable and unschedulable nodes). Pods are bound directly through
 * {@code spec.nodeName}, follow nodes that join or leave, and carry a
 * {@code controller-revision-hash} label (the template hash, also recorded as a ControllerRevision
 * {@code <name>-<hash>} for {@code kubectl rollout history/undo}); RollingUpdate replaces out-of-date pods at most
 * {@code maxUnavailable} at a time, OnDelete leaves them until they are deleted.
 */
public final class DaemonSetController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(DaemonSetController.class);
  /** The label holding the template hash of a DaemonSet pod. */
  public static final String REVISION_HASH = "controller-revision-hash";

  private final KubernetesClient client;
  private final SharedIndexInformer<DaemonSet> daemonSets;
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<Pod> pods;
  private final ControllerExpectations expectations = new ControllerExpectations();
  private final Controller controller;
  private final ControllerHistory history;

  /** A controller over the given informers ({@code revisions}: every namespace's ControllerRevisions). */
  public DaemonSetController(KubernetesClient client, SharedIndexInformer<DaemonSet> daemonSets, SharedIndexInformer<Node> nodes,
      SharedIndexInformer<Pod> pods, SharedIndexInformer<ControllerRevision> revisions, MeterRegistry registry, int workers) {
    this.client = client;
    this.daemonSets = daemonSets;
    this.nodes = nodes;
    this.pods = pods;
    this.history = new ControllerHistory(client, revisions);
    this.controller = Controller.builder("daemonset", this, registry).workers(workers)
        .watch(daemonSets)
        // A revision changed or deleted by someone else brings its DaemonSet back to a sync.
        .watch(revisions, r -> {
          String owner = Controller.controllerOwnerKey(r, "DaemonSet");
          return owner == null ? List.of() : List.of(owner);
        })
        .watch(nodes, n -> daemonSets.getStore().list().stream().map(Controller::keyOf).toList())
        .watch(pods, new Controller.Handlers<Pod>() {
          @Override
          public void onAdd(Controller c, Pod pod) {
            String owner = Controller.controllerOwnerKey(pod, "DaemonSet");
            if (owner != null) {
              expectations.creationObserved(owner);
              c.enqueue(owner);
            }
          }

          @Override
          public void onUpdate(Controller c, Pod oldPod, Pod newPod) {
            String owner = Controller.controllerOwnerKey(newPod, "DaemonSet");
            if (owner != null) {
              if (newPod.getMetadata().getDeletionTimestamp() != null) {
                expectations.deletionObserved(owner, Controller.keyOf(newPod));
              }
              c.enqueue(owner);
            }
          }

          @Override
          public void onDelete(Controller c, Pod pod) {
            String owner = Controller.controllerOwnerKey(pod, "DaemonSet");
            if (owner != null) {
              expectations.deletionObserved(owner, Controller.keyOf(pod));
              c.enqueue(owner);
            }
          }
        })
        .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  /** Kubernetes' tolerations added to every DaemonSet pod. */
  static List<Toleration> defaultTolerations() {
    return List.of(
        new TolerationBuilder().withKey(Taints.NOT_READY).withOperator("Exists").withEffect("NoExecute").build(),
        new TolerationBuilder().withKey(Taints.UNREACHABLE).withOperator("Exists").withEffect("NoExecute").build(),
        new TolerationBuilder().withKey("node.kubernetes.io/disk-pressure").withOperator("Exists").withEffect("NoSchedule").build(),
        new TolerationBuilder().withKey("node.kubernetes.io/memory-pressure").withOperator("Exists").withEffect("NoSchedule").build(),
        new TolerationBuilder().withKey("node.kubernetes.io/pid-pressure").withOperator("Exists").withEffect("NoSchedule").build(),
        new TolerationBuilder().withKey("node.kubernetes.io/unschedulable").withOperator("Exists").withEffect("NoSchedule").build());
  }

  /** Whether a pod of {@code ds} should run on {@code node}. */
  static boolean eligible(DaemonSet ds, Node node) {
    var spec = ds.getSpec().getTemplate().getSpec();
    Map<String, String> selector = spec.getNodeSelector();
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (selector != null && !labels.entrySet().containsAll(selector.entrySet())) {
      return false;
    }
    List<Toleration> tolerations = new ArrayList<>(defaultTolerations());
    if (spec.getTolerations() != null) {
      tolerations.addAll(spec.getTolerations());
    }
    List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    for (Taint t : taints) {
      if ("PreferNoSchedule".equals(t.getEffect())) {
        continue;
      }
      if (tolerations.stream().noneMatch(tol -> Taints.tolerates(tol, t))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Result reconcile(String key) {
    DaemonSet ds = daemonSets.getStore().getByKey(key);
    if (ds == null) {
      expectations.delete(key);
      return Result.done();
    }
    String hash = PodTemplateHash.of(ds.getSpec().getTemplate(), ds.getStatus() == null ? null : ds.getStatus().getCollisionCount());
    Map<String, List<Pod>> byNode = new HashMap<>();
    for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ds.getMetadata().getNamespace())) {
      if (Owners.isControlledBy(p, ds) && Pods.isActive(p) && p.getSpec().getNodeName() != null) {
        byNode.computeIfAbsent(p.getSpec().getNodeName(), n -> new ArrayList<>()).add(p);
      }
    }
    if (ds.getMetadata().getDeletionTimestamp() == null) {
      try {
        syncHistory(ds, hash, byNode);
      } catch (ControllerHistory.HashCollisionException e) {
        // Raising collisionCount changes the hash; the status update brings the DaemonSet back.
        int count = ds.getStatus() == null || ds.getStatus().getCollisionCount() == null ? 0 : ds.getStatus().getCollisionCount();
        client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace()).resource(new DaemonSetBuilder(ds)
            .editOrNewStatus().withCollisionCount(count + 1).endStatus().build()).updateStatus();
        LOG.info("Template hash collision, raised collisionCount daemonset={} revision={} collisionCount={}", key,
            e.revisionName(), count + 1);
        return Result.done();
      }
    }
    List<Node> allNodes = nodes.getStore().list();
    int desired = 0;
    int misscheduled = 0;
    List<String> toCreate = new ArrayList<>();
    List<Pod> toDelete = new ArrayList<>();
    List<Pod> outdated = new ArrayList<>();
    int unavailable = 0;
    int ready = 0;
    int updated = 0;
    Instant now = Instant.now();
    int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
    java.util.Set<String> nodeNames = new java.util.HashSet<>();
    for (Node node : allNodes) {
      String name = node.getMetadata().getName();
      nodeNames.add(name);
      List<Pod> onNode = byNode.getOrDefault(name, List.of());
      if (eligible(ds, node)) {
        desired++;
        if (onNode.isEmpty()) {
          toCreate.add(name);
          unavailable++;
          continue;
        }
        List<Pod> sorted = onNode.stream().sorted(Pods.DELETION_ORDER.reversed()).toList();
        toDelete.addAll(sorted.subList(1, sorted.size()));
        Pod keep = sorted.get(0);
        boolean current = hash.equals(labels(keep).get(REVISION_HASH));
        if (current) {
          updated++;
        } else {
          outdated.add(keep);
        }
        if (Pods.isReady(keep)) {
          ready++;
        }
        if (!Pods.isAvailable(keep, minReady, now)) {
          unavailable++;
        }
      } else if (!onNode.isEmpty()) {
        misscheduled++;
        toDelete.addAll(onNode);
      }
    }
    // Pods on nodes that no longer exist.
    byNode.forEach((node, list) -> {
      if (!nodeNames.contains(node)) {
        toDelete.addAll(list);
      }
    });
    if (expectations.satisfied(key) && ds.getMetadata().getDeletionTimestamp() == null) {
      String strategy = ds.getSpec().getUpdateStrategy() == null || ds.getSpec().getUpdateStrategy().getType() == null
          ? "RollingUpdate" : ds.getSpec().getUpdateStrategy().getType();
      if ("RollingUpdate".equals(strategy) && !outdated.isEmpty()) {
        var ru = ds.getSpec().getUpdateStrategy() == null ? null : ds.getSpec().getUpdateStrategy().getRollingUpdate();
        int maxUnavailable = Math.max(1, RollingMath.resolve(ru == null ? null : ru.getMaxUnavailable(), desired, false, "1"));
        int budget = maxUnavailable - unavailable;
        // Replace out-of-date pods that are unavailable anyway first, then within the budget.
        for (Pod p : outdated.stream().sorted(Pods.DELETION_ORDER).toList()) {
          if (!Pods.isAvailable(p, minReady, now)) {
            toDelete.add(p);
          } else if (budget > 0) {
            toDelete.add(p);
            budget--;
          }
        }
      }
      expectations.expectCreations(key, toCreate.size());
      if (!toDelete.isEmpty()) {
        expectations.expectDeletions(key, toDelete.stream().map(Controller::keyOf).toList());
      }
      for (String node : toCreate) {
        createPod(key, ds, node, hash);
      }
      for (Pod p : toDelete) {
        try {
          client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
          expectations.deletionObserved(key, Controller.keyOf(p));
          if (e.getCode() != 404) {
            throw e;
          }
        }
      }
    }
    int scheduled = desired - toCreate.size();
    DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
    DaemonSetStatus status = new DaemonSetStatusBuilder(old)
        .withDesiredNumberScheduled(desired)
        .withCurrentNumberScheduled(scheduled)
        .withNumberMisscheduled(misscheduled)
        .withNumberReady(ready)
        .withNumberAvailable(Math.max(0, desired - unavailable))
        .withNumberUnavailable(unavailable)
        .withUpdatedNumberScheduled(updated)
        .withObservedGeneration(ds.getMetadata().getGeneration())
        .build();
    if (!Objects.equals(old, status)) {
      client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace()).resource(new DaemonSetBuilder(ds).withStatus(status).build()).updateStatus();
    }
    return Result.done();
  }

  /**
   * Records the current template as the newest ControllerRevision (what {@code kubectl rollout
   * history/undo} read) and trims the history, keeping revisions that live pods still run.
   */
  private void syncHistory(DaemonSet ds, String hash, Map<String, List<Pod>> byNode) {
    java.util.Set<String> liveHashes = new java.util.HashSet<>();
    byNode.values().forEach(list -> list.forEach(p -> {
      String h = labels(p).get(REVISION_HASH);
      if (h != null) {
        liveHashes.add(h);
      }
    }));
    int limit = ds.getSpec().getRevisionHistoryLimit() == null ? 10 : ds.getSpec().getRevisionHistoryLimit();
    DaemonSet withKind = new DaemonSetBuilder(ds).withKind("DaemonSet").withApiVersion("apps/v1").build();
    history.sync(withKind, ds.getSpec().getSelector(), ds.getSpec().getTemplate(), hash, limit,
        r -> r.getMetadata().getLabels() != null && liveHashes.contains(r.getMetadata().getLabels().get(ControllerHistory.HASH_LABEL)));
  }

  private static Map<String, String> labels(Pod p) {
    return p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
  }

  private void createPod(String key, DaemonSet ds, String node, String hash) {
    var template = ds.getSpec().getTemplate();
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = tm.getLabels() == null ? new HashMap<>() : new HashMap<>(tm.getLabels());
    labels.put(REVISION_HASH, hash);
    List<Toleration> tolerations = new ArrayList<>(template.getSpec().getTolerations() == null ? List.of() : template.getSpec().getTolerations());
    for (Toleration t : defaultTolerations()) {
      if (!tolerations.contains(t)) {
        tolerations.add(t);
      }
    }
    DaemonSet withKind = new DaemonSetBuilder(ds).withKind("DaemonSet").withApiVersion("apps/v1").build();
    Pod pod = new PodBuilder()
        .withNewMetadata().withGenerateName(ds.getMetadata().getName() + "-").withNamespace(ds.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(tm.getAnnotations()).withOwnerReferences(Owners.controllerRef(withKind)).endMetadata()
        .withSpec(template.getSpec())
        .build();
    pod.getSpec().setNodeName(node);
    pod.getSpec().setTolerations(tolerations);
    try {
      client.pods().inNamespace(ds.getMetadata().getNamespace()).resource(pod).create();
      LOG.debug("Created daemon pod daemonset={} node={}", key, node);
    } catch (KubernetesClientException e) {
      expectations.creationObserved(key);
      throw e;
    }
  }
}
