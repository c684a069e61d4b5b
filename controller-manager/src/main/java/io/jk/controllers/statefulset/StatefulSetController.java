package io.jk.controllers.statefulset;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.deployment.PodTemplateHash;
import io.jk.controllers.history.ControllerHistory;
import io.jk.controllers.pods.Owners;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs StatefulSets ({@code pkg/controller/statefulset}): pods named {@code <name>-0..n-1} with
 * hostname and subdomain set, so a recreated pod keeps its identity. With OrderedReady (the
 * default) pod {@code i} is created only when pods {@code 0..i-1} are Running and Ready, and
 * scale-down removes the highest ordinal first, one at a time; Parallel creates and deletes all
 * at once. RollingUpdate replaces out-of-date pods from the highest ordinal down to
 * {@code partition}, one at a time, waiting for each replacement to be ready. Every template is
 * recorded as a ControllerRevision {@code <name>-<hash>} (the pods' {@code controller-revision-hash}
 * and {@code status.currentRevision/updateRevision}) for {@code kubectl rollout history/undo}. Volume claim
 * templates are not handled.
 */
public final class StatefulSetController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(StatefulSetController.class);
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
  static final String REVISION_HASH = "controller-revision-hash";

  private final KubernetesClient client;
  private final SharedIndexInformer<StatefulSet> sets;
  private final SharedIndexInformer<Pod> pods;
  private final Controller controller;
  private final ControllerHistory history;

  /** A controller over the given informers ({@code revisions}: every namespace's ControllerRevisions). */
  public StatefulSetController(KubernetesClient client, SharedIndexInformer<StatefulSet> sets, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<ControllerRevision> revisions, MeterRegistry registry, int workers) {
    this.client = client;
    this.sets = sets;
    this.pods = pods;
    this.history = new ControllerHistory(client, revisions);
    this.controller = Controller.builder("statefulset", this, registry).workers(workers)
        .watch(sets)
        // A revision changed or deleted by someone else brings its StatefulSet back to a sync.
        .watch(revisions, r -> {
          String owner = Controller.controllerOwnerKey(r, "StatefulSet");
          return owner == null ? java.util.List.of() : java.util.List.of(owner);
        })
        .watch(pods, p -> {
          String owner = Controller.controllerOwnerKey(p, "StatefulSet");
          return owner == null ? java.util.List.of() : java.util.List.of(owner);
        })
        .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  static boolean runningAndReady(Pod p) {
    return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && Pods.isReady(p);
  }

  @Override
  public Result reconcile(String key) {
    StatefulSet set = sets.getStore().getByKey(key);
    if (set == null || set.getMetadata().getDeletionTimestamp() != null) {
      return Result.done();
    }
    String ns = set.getMetadata().getNamespace();
    String name = set.getMetadata().getName();
    int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    boolean parallel = "Parallel".equals(set.getSpec().getPodManagementPolicy());
    String revision = name + "-" + PodTemplateHash.of(set.getSpec().getTemplate(), set.getStatus() == null ? null : set.getStatus().getCollisionCount());
    // Ordinal → pod, from the cache; pods of other owners with our names are left alone.
    Map<Integer, Pod> byOrdinal = new HashMap<>();
    int maxOrdinal = -1;
    for (Pod p : pods.getIndexer().byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, ns)) {
      if (!Owners.isControlledBy(p, set)) {
        continue;
      }
      int ord = ordinal(name, p.getMetadata().getName());
      if (ord >= 0) {
        byOrdinal.put(ord, p);
        maxOrdinal = Math.max(maxOrdinal, ord);
      }
    }
    try {
      syncHistory(set, revision, byOrdinal.values());
    } catch (ControllerHistory.HashCollisionException e) {
      // Raising collisionCount changes the revision name; the status update brings the set back.
      int count = set.getStatus() == null || set.getStatus().getCollisionCount() == null ? 0 : set.getStatus().getCollisionCount();
      client.apps().statefulSets().inNamespace(ns).resource(new StatefulSetBuilder(set)
          .editOrNewStatus().withCollisionCount(count + 1).endStatus().build()).updateStatus();
      LOG.info("Template hash collision, raised collisionCount statefulset={} revision={} collisionCount={}", key,
          e.revisionName(), count + 1);
      return Result.done();
    }
    boolean acted = false;
    // Create or replace missing pods in ordinal order.
    for (int i = 0; i < replicas && !acted; i++) {
      Pod p = byOrdinal.get(i);
      if (p == null) {
        createPod(set, i, revision);
        acted = !parallel;
        if (parallel) {
          continue;
        }
        break;
      }
      if (p.getMetadata().getDeletionTimestamp() != null) {
        if (!parallel) {
          acted = true; // wait for it to go before going on
        }
        continue;
      }
      if (!parallel && !runningAndReady(p)) {
        acted = true; // OrderedReady: successors wait
      }
    }
    // Scale down from the highest ordinal.
    if (!acted) {
      for (int i = maxOrdinal; i >= replicas; i--) {
        Pod p = byOrdinal.get(i);
        if (p == null) {
          continue;
        }
        if (p.getMetadata().getDeletionTimestamp() == null) {
          deletePod(p);
        }
        if (!parallel) {
          acted = true;
          break;
        }
      }
    }
    // Rolling update from the highest ordinal down to the partition.
    String strategy = set.getSpec().getUpdateStrategy() == null || set.getSpec().getUpdateStrategy().getType() == null
        ? "RollingUpdate" : set.getSpec().getUpdateStrategy().getType();
    if (!acted && "RollingUpdate".equals(strategy)) {
      var ru = set.getSpec().getUpdateStrategy() == null ? null : set.getSpec().getUpdateStrategy().getRollingUpdate();
      int partition = ru == null || ru.getPartition() == null ? 0 : ru.getPartition();
      boolean allReady = byOrdinal.values().stream().allMatch(StatefulSetController::runningAndReady);
      for (int i = replicas - 1; i >= partition && allReady; i--) {
        Pod p = byOrdinal.get(i);
        if (p != null && !revision.equals(label(p, REVISION_HASH))) {
          deletePod(p);
          LOG.info("Updating stateful pod pod={}/{} revision={}", ns, p.getMetadata().getName(), revision);
          break;
        }
      }
    }
    // Status.
    int ready = 0;
    int current = 0;
    int updated = 0;
    int count = 0;
    for (Pod p : byOrdinal.values()) {
      if (p.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      count++;
      if (Pods.isReady(p)) {
        ready++;
      }
      if (revision.equals(label(p, REVISION_HASH))) {
        updated++;
      }
    }
    StatefulSetStatus old = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
    String currentRevision = old.getCurrentRevision() == null || updated == count && count == replicas ? revision : old.getCurrentRevision();
    for (Pod p : byOrdinal.values()) {
      if (currentRevision.equals(label(p, REVISION_HASH)) && p.getMetadata().getDeletionTimestamp() == null) {
        current++;
      }
    }
    StatefulSetStatus status = new StatefulSetStatusBuilder(old)
        .withReplicas(count)
        .withReadyReplicas(ready)
        .withAvailableReplicas(ready)
        .withCurrentReplicas(current)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(currentRevision)
        .withUpdateRevision(revision)
        .withObservedGeneration(set.getMetadata().getGeneration())
        .build();
    if (!Objects.equals(old, status)) {
      client.apps().statefulSets().inNamespace(ns).resource(new StatefulSetBuilder(set).withStatus(status).build()).updateStatus();
    }
    return Result.done();
  }

  /**
   * Records the current template as the newest ControllerRevision (named as the pods'
   * {@code controller-revision-hash} label and the status revisions) and trims the history,
   * keeping revisions that live pods or the status still name.
   */
  private void syncHistory(StatefulSet set, String revision, java.util.Collection<Pod> owned) {
    java.util.Set<String> live = new java.util.HashSet<>();
    for (Pod p : owned) {
      String r = label(p, REVISION_HASH);
      if (r != null) {
        live.add(r);
      }
    }
    if (set.getStatus() != null) {
      live.add(set.getStatus().getCurrentRevision());
      live.add(set.getStatus().getUpdateRevision());
    }
    int limit = set.getSpec().getRevisionHistoryLimit() == null ? 10 : set.getSpec().getRevisionHistoryLimit();
    StatefulSet withKind = new StatefulSetBuilder(set).withKind("StatefulSet").withApiVersion("apps/v1").build();
    String hash = revision.substring(set.getMetadata().getName().length() + 1);
    history.sync(withKind, set.getSpec().getSelector(), set.getSpec().getTemplate(), hash, limit,
        r -> live.contains(r.getMetadata().getName()));
  }

  /** The ordinal of a pod named {@code <set>-<n>}, or -1. */
  static int ordinal(String setName, String podName) {
    if (!podName.startsWith(setName + "-")) {
      return -1;
    }
    String rest = podName.substring(setName.length() + 1);
    if (rest.isEmpty() || rest.length() > 9 || !rest.chars().allMatch(Character::isDigit) || (rest.length() > 1 && rest.startsWith("0"))) {
      return -1;
    }
    return Integer.parseInt(rest);
  }

  private static String label(Pod p, String key) {
    return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(key);
  }

  private void createPod(StatefulSet set, int ordinal, String revision) {
    var template = set.getSpec().getTemplate();
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    String podName = set.getMetadata().getName() + "-" + ordinal;
    Map<String, String> labels = tm.getLabels() == null ? new HashMap<>() : new HashMap<>(tm.getLabels());
    labels.put(POD_NAME_LABEL, podName);
    labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
    labels.put(REVISION_HASH, revision);
    StatefulSet withKind = new StatefulSetBuilder(set).withKind("StatefulSet").withApiVersion("apps/v1").build();
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(podName).withNamespace(set.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(tm.getAnnotations()).withOwnerReferences(Owners.controllerRef(withKind)).endMetadata()
        .withSpec(template.getSpec())
        .build();
    pod.getSpec().setHostname(podName);
    pod.getSpec().setSubdomain(set.getSpec().getServiceName());
    try {
      client.pods().inNamespace(set.getMetadata().getNamespace()).resource(pod).create();
      LOG.info("Created stateful pod pod={}/{}", set.getMetadata().getNamespace(), podName);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e; // 409: the informer has not shown it yet
      }
    }
  }

  private void deletePod(Pod p) {
    try {
      client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
