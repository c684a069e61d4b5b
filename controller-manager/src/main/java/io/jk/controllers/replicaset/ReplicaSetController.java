package io.jk.controllers.replicaset;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.jk.common.controller.Controller;
import io.jk.common.controller.ControllerExpectations;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.pods.LabelSelectors;
import io.jk.controllers.pods.Owners;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps exactly {@code spec.replicas} active pods for every ReplicaSet
 * ({@code pkg/controller/replicaset}).
 *
 * <ul>
 *   <li>Pods are owned through a controller owner reference matched by uid; orphans whose labels
 *       match the selector are adopted, owned pods that stop matching are released.
 *   <li>Creations and deletions are recorded as {@link ControllerExpectations}; until the informer
 *       has shown them the ReplicaSet is not acted on again, so a slow cache never causes extra
 *       pods. Creations go in slow-start batches 1, 2, 4, ... and stop at the first failure.
 *   <li>Surplus pods are deleted in {@link Pods#DELETION_ORDER}.
 *   <li>Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
 *       {@code minReadySeconds}) and observedGeneration.
 * </ul>
 */
public final class ReplicaSetController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaSetController.class);
  /** At most this many creations or deletions per sync, as Kubernetes' burstReplicas. */
  static final int BURST_REPLICAS = 500;

  private final KubernetesClient client;
  private final SharedIndexInformer<ReplicaSet> rsInformer;
  private final SharedIndexInformer<Pod> podInformer;
  private final ControllerExpectations expectations = new ControllerExpectations();
  private final ExecutorService writers;
  private final Controller controller;

  /** A controller over the given informers (not started: the caller starts the informers). */
  public ReplicaSetController(
      KubernetesClient client,
      SharedIndexInformer<ReplicaSet> rsInformer,
      SharedIndexInformer<Pod> podInformer,
      MeterRegistry registry,
      int workers) {
    this.client = Objects.requireNonNull(client);
    this.rsInformer = rsInformer;
    this.podInformer = podInformer;
    AtomicInteger n = new AtomicInteger();
    this.writers =
        Executors.newFixedThreadPool(
            16,
            r -> {
              Thread t = new Thread(r, "replicaset-writer-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.controller =
        Controller.builder("replicaset", this, registry)
            .workers(workers)
            .watch(rsInformer)
            .watch(podInformer, new PodHandlers())
            .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  /** Stops the controller and its writer threads. */
  public void stop() {
    controller.stop();
    writers.shutdownNow();
  }

  @Override
  public Result reconcile(String key) throws Exception {
    ReplicaSet rs = rsInformer.getStore().getByKey(key);
    if (rs == null) {
      expectations.delete(key);
      return Result.done();
    }
    String ns = rs.getMetadata().getNamespace();
    boolean needsSync = expectations.satisfied(key) && rs.getMetadata().getDeletionTimestamp() == null;
    List<Pod> owned = claimPods(rs);
    List<Pod> active = owned.stream().filter(Pods::isActive).toList();
    Exception manageError = null;
    if (needsSync) {
      try {
        manageReplicas(key, rs, active);
      } catch (Exception e) {
        manageError = e;
      }
    }
    Result result = updateStatus(rs, active);
    if (manageError != null) {
      throw manageError;
    }
    LOG.debug("Synced replicaset={} namespace={} active={}", rs.getMetadata().getName(), ns, active.size());
    return result;
  }

  /** The pods {@code rs} owns after adopting matching orphans and releasing non-matching ones. */
  private List<Pod> claimPods(ReplicaSet rs) {
    List<Pod> owned = new ArrayList<>();
    boolean rsDeleting = rs.getMetadata().getDeletionTimestamp() != null;
    for (Pod pod : podInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
      boolean matches = LabelSelectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels());
      var ref = Owners.controllerOf(pod);
      if (ref != null) {
        if (!rs.getMetadata().getUid().equals(ref.getUid())) {
          continue;
        }
        if (matches) {
          owned.add(pod);
        } else if (pod.getMetadata().getDeletionTimestamp() == null) {
          release(rs, pod);
        }
        continue;
      }
      if (matches && !rsDeleting && pod.getMetadata().getDeletionTimestamp() == null && Pods.isActive(pod)) {
        Pod adopted = adopt(rs, pod);
        if (adopted != null) {
          owned.add(adopted);
        }
      }
    }
    return owned;
  }

  private Pod adopt(ReplicaSet rs, Pod pod) {
    Pod copy = new PodBuilder(pod).build();
    copy.getMetadata().setOwnerReferences(Owners.with(pod.getMetadata().getOwnerReferences(), Owners.controllerRef(rs)));
    try {
      Pod updated = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).update();
      LOG.info("Adopted pod={}/{} replicaset={}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), rs.getMetadata().getName());
      return updated;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private void release(ReplicaSet rs, Pod pod) {
    Pod copy = new PodBuilder(pod).build();
    copy.getMetadata().setOwnerReferences(Owners.without(pod.getMetadata().getOwnerReferences(), rs.getMetadata().getUid()));
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).update();
      LOG.info("Released pod={}/{} replicaset={}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), rs.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void manageReplicas(String key, ReplicaSet rs, List<Pod> active) throws Exception {
    int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    int diff = active.size() - desired;
    if (diff < 0) {
      int toCreate = Math.min(-diff, BURST_REPLICAS);
      expectations.expectCreations(key, toCreate);
      int created = slowStartCreate(key, rs, toCreate);
      if (created < toCreate) {
        throw new IllegalStateException("created " + created + " of " + toCreate + " pods for replicaset " + key);
      }
    } else if (diff > 0) {
      List<Pod> victims = Pods.toDelete(active, Math.min(diff, BURST_REPLICAS));
      List<String> victimKeys = victims.stream().map(Controller::keyOf).toList();
      expectations.expectDeletions(key, victimKeys);
      List<Future<?>> results = new ArrayList<>();
      for (Pod p : victims) {
        results.add(
            writers.submit(
                () -> {
                  try {
                    client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
                  } catch (KubernetesClientException e) {
                    expectations.deletionObserved(key, Controller.keyOf(p));
                    if (e.getCode() != 404) {
                      throw e;
                    }
                  }
                  return null;
                }));
      }
      Exception first = null;
      for (Future<?> f : results) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          first = first == null ? (Exception) e.getCause() : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /** Creates {@code count} pods in batches 1, 2, 4, ...; stops after a batch with a failure. */
  private int slowStartCreate(String key, ReplicaSet rs, int count) throws InterruptedException {
    int done = 0;
    int batch = 1;
    while (done < count) {
      int size = Math.min(batch, count - done);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        results.add(writers.submit(() -> createPod(key, rs)));
      }
      int ok = 0;
      for (Future<Boolean> f : results) {
        try {
          if (f.get()) {
            ok++;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // counted as a failure below
        }
      }
      done += ok;
      if (ok < size) {
        // Failures were lowered one by one; the batches never tried will not be seen either.
        expectations.lowerCreations(key, count - done - (size - ok));
        return done;
      }
      batch *= 2;
    }
    return done;
  }

  private boolean createPod(String key, ReplicaSet rs) {
    Pod pod = podFromTemplate(rs);
    try {
      client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
      return true;
    } catch (KubernetesClientException e) {
      if (io.jk.controllers.pods.WriteOutcome.mayStillApply(e)) {
        // The pod may still be created: keep expecting it (see WriteOutcome), but stop this
        // slow-start round as for any failure.
        LOG.warn("Pod create timed out, still expecting it replicaset={} err=\"{}\"", key, e.getMessage());
        return false;
      }
      expectations.creationObserved(key);
      LOG.warn("Pod create failed replicaset={} err=\"{}\"", key, e.getMessage());
      return false;
    }
  }

  /** A new pod for {@code rs} from its template. */
  static Pod podFromTemplate(ReplicaSet rs) {
    var template = rs.getSpec().getTemplate();
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    ObjectMeta meta =
        new ObjectMetaBuilder()
            .withGenerateName(rs.getMetadata().getName() + "-")
            .withNamespace(rs.getMetadata().getNamespace())
            .withLabels(tm.getLabels() == null ? null : new HashMap<>(tm.getLabels()))
            .withAnnotations(tm.getAnnotations() == null ? null : new HashMap<>(tm.getAnnotations()))
            .withOwnerReferences(Owners.controllerRef(rs))
            .build();
    return new PodBuilder().withMetadata(meta).withSpec(new PodBuilder().withSpec(template.getSpec()).build().getSpec()).build();
  }

  private Result updateStatus(ReplicaSet rs, List<Pod> active) {
    int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    Instant now = Instant.now();
    Map<String, String> templateLabels =
        rs.getSpec().getTemplate() == null || rs.getSpec().getTemplate().getMetadata() == null
            ? Map.of()
            : rs.getSpec().getTemplate().getMetadata().getLabels() == null ? Map.of() : rs.getSpec().getTemplate().getMetadata().getLabels();
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    Duration nextCheck = null;
    for (Pod p : active) {
      Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
      if (labels.entrySet().containsAll(templateLabels.entrySet())) {
        fullyLabeled++;
      }
      if (Pods.isReady(p)) {
        ready++;
        if (Pods.isAvailable(p, minReady, now)) {
          available++;
        } else {
          Duration d = Pods.untilAvailable(p, minReady, now);
          if (d != null && (nextCheck == null || d.compareTo(nextCheck) < 0)) {
            nextCheck = d;
          }
        }
      }
    }
    ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
    ReplicaSetStatus status =
        new ReplicaSetStatusBuilder(old)
            .withReplicas(active.size())
            .withFullyLabeledReplicas(fullyLabeled)
            .withReadyReplicas(ready)
            .withAvailableReplicas(available)
            .withObservedGeneration(rs.getMetadata().getGeneration())
            .build();
    if (!statusEquals(old, status)) {
      ReplicaSet copy = new ReplicaSetBuilder(rs).withStatus(status).build();
      try {
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(copy).updateStatus();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    return nextCheck == null ? Result.done() : Result.requeueAfter(nextCheck.plusMillis(100));
  }

  private static boolean statusEquals(ReplicaSetStatus a, ReplicaSetStatus b) {
    return Objects.equals(nz(a.getReplicas()), nz(b.getReplicas()))
        && Objects.equals(nz(a.getFullyLabeledReplicas()), nz(b.getFullyLabeledReplicas()))
        && Objects.equals(nz(a.getReadyReplicas()), nz(b.getReadyReplicas()))
        && Objects.equals(nz(a.getAvailableReplicas()), nz(b.getAvailableReplicas()))
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration());
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it. */
  private List<String> matchingReplicaSets(Pod pod) {
    List<String> keys = new ArrayList<>();
    for (ReplicaSet rs : rsInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, pod.getMetadata().getNamespace())) {
      if (LabelSelectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels())) {
        keys.add(Controller.keyOf(rs));
      }
    }
    return keys;
  }

  /** Pod events: lower expectations and queue the owner (or every matching ReplicaSet for orphans). */
  private final class PodHandlers implements Controller.Handlers<Pod> {
    @Override
    public void onAdd(Controller c, Pod pod) {
      String owner = Controller.controllerOwnerKey(pod, "ReplicaSet");
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        onDelete(c, pod);
        return;
      }
      if (owner != null) {
        expectations.creationObserved(owner);
        c.enqueue(owner);
      } else {
        matchingReplicaSets(pod).forEach(c::enqueue);
      }
    }

    @Override
    public void onUpdate(Controller c, Pod oldPod, Pod newPod) {
      if (Objects.equals(oldPod.getMetadata().getResourceVersion(), newPod.getMetadata().getResourceVersion())) {
        return; // resync
      }
      String oldOwner = Controller.controllerOwnerKey(oldPod, "ReplicaSet");
      String newOwner = Controller.controllerOwnerKey(newPod, "ReplicaSet");
      if (newPod.getMetadata().getDeletionTimestamp() != null && newOwner != null) {
        expectations.deletionObserved(newOwner, Controller.keyOf(newPod));
      }
      if (oldOwner != null && !oldOwner.equals(newOwner)) {
        c.enqueue(oldOwner);
      }
      if (newOwner != null) {
        c.enqueue(newOwner);
      } else if (!Objects.equals(oldPod.getMetadata().getLabels(), newPod.getMetadata().getLabels()) || oldOwner != null) {
        matchingReplicaSets(newPod).forEach(c::enqueue);
      }
    }

    @Override
    public void onDelete(Controller c, Pod pod) {
      String owner = Controller.controllerOwnerKey(pod, "ReplicaSet");
      if (owner != null) {
        expectations.deletionObserved(owner, Controller.keyOf(pod));
        c.enqueue(owner);
      }
    }
  }
}
