package io.jk.controllers.deployment;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.pods.LabelSelectors;
import io.jk.controllers.pods.Owners;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls Deployments out through ReplicaSets ({@code pkg/controller/deployment}).
 *
 * <p>Each pod template gets one ReplicaSet named {@code <deployment>-<pod-template-hash>}; the
 * ReplicaSet whose template equals the Deployment's (ignoring the hash label) is the new one, and
 * its {@code deployment.kubernetes.io/revision} is raised above every other's, so
 * {@code kubectl rollout undo} (which copies an old template back) reuses the old ReplicaSet.
 * RollingUpdate keeps the total (spec) replicas at most {@code replicas + maxSurge} and the
 * available ones at least {@code replicas - maxUnavailable}; Recreate scales the old ReplicaSets to
 * zero and waits for their pods to go before scaling the new one up. Paused Deployments are not
 * rolled. Old ReplicaSets beyond {@code revisionHistoryLimit} are deleted once the rollout is
 * complete. Status carries everything {@code kubectl rollout status} reads, with the
 * Progressing/Available conditions and Kubernetes' reasons.
 *
 * <p>Every write uses the cached object's resourceVersion, so a stale cache gets a 409 and a retry
 * rather than a wrong scale; after each write the sync returns and waits for the informer event.
 */
public final class DeploymentController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);

  /** The revision annotation on Deployments and their ReplicaSets. */
  public static final String REVISION = "deployment.kubernetes.io/revision";
  /** The desired-replicas annotation on ReplicaSets. */
  public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  /** The max-replicas annotation (replicas + maxSurge) on ReplicaSets. */
  public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

  static final String PROGRESSING = "Progressing";
  static final String AVAILABLE = "Available";

  private final KubernetesClient client;
  private final SharedIndexInformer<Deployment> dInformer;
  private final SharedIndexInformer<ReplicaSet> rsInformer;
  private final Controller controller;

  /** A controller over the given informers (not started: the caller starts the informers). */
  public DeploymentController(
      KubernetesClient client,
      SharedIndexInformer<Deployment> dInformer,
      SharedIndexInformer<ReplicaSet> rsInformer,
      MeterRegistry registry,
      int workers) {
    this.client = Objects.requireNonNull(client);
    this.dInformer = dInformer;
    this.rsInformer = rsInformer;
    this.controller =
        Controller.builder("deployment", this, registry)
            .workers(workers)
            .watch(dInformer)
            .watch(rsInformer, this::deploymentsFor)
            .build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  private List<String> deploymentsFor(ReplicaSet rs) {
    String owner = Controller.controllerOwnerKey(rs, "Deployment");
    if (owner != null) {
      return List.of(owner);
    }
    List<String> keys = new ArrayList<>();
    for (Deployment d : dInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
      if (d.getSpec() != null && LabelSelectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) {
        keys.add(Controller.keyOf(d));
      }
    }
    return keys;
  }

  @Override
  public Result reconcile(String key) throws Exception {
    Deployment d = dInformer.getStore().getByKey(key);
    if (d == null || d.getMetadata().getDeletionTimestamp() != null) {
      return Result.done();
    }
    if (d.getSpec().getSelector() == null || LabelSelectors.isEmpty(d.getSpec().getSelector())) {
      LOG.warn("Deployment has an empty selector deployment={}", key);
      return Result.done();
    }
    List<ReplicaSet> rsList = claimReplicaSets(d);
    if (rsList == null) {
      return Result.done(); // adoption/release written; the RS events bring us back
    }
    boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
    if (paused || !isRecreate(d)) {
      // As Kubernetes: a resize in the middle of a rollout (or while paused) is spread over the
      // ReplicaSets in proportion to their size before the rollout goes on.
      if (scaleProportionally(d, rsList, findNewReplicaSet(d, rsList))) {
        return Result.done();
      }
    }
    if (paused) {
      ReplicaSet newRs = findNewReplicaSet(d, rsList);
      return syncStatus(d, rsList, newRs, false);
    }
    String strategy = d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
        ? "RollingUpdate" : d.getSpec().getStrategy().getType();
    return "Recreate".equals(strategy) ? rolloutRecreate(d, rsList) : rolloutRolling(d, rsList);
  }

  // ---- ownership -------------------------------------------------------------------------

  /** The ReplicaSets {@code d} controls; {@code null} after an adoption or release was written. */
  private List<ReplicaSet> claimReplicaSets(Deployment d) {
    List<ReplicaSet> owned = new ArrayList<>();
    boolean wrote = false;
    for (ReplicaSet rs : rsInformer.getIndexer().byIndex(Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace())) {
      boolean matches = LabelSelectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels());
      var ref = Owners.controllerOf(rs);
      if (ref != null) {
        if (!d.getMetadata().getUid().equals(ref.getUid())) {
          continue;
        }
        if (matches) {
          owned.add(rs);
        } else if (rs.getMetadata().getDeletionTimestamp() == null) {
          ReplicaSet copy = new ReplicaSetBuilder(rs).build();
          copy.getMetadata().setOwnerReferences(Owners.without(rs.getMetadata().getOwnerReferences(), d.getMetadata().getUid()));
          updateIgnoringNotFound(copy);
          wrote = true;
        }
      } else if (matches && rs.getMetadata().getDeletionTimestamp() == null) {
        ReplicaSet copy = new ReplicaSetBuilder(rs).build();
        copy.getMetadata().setOwnerReferences(Owners.with(rs.getMetadata().getOwnerReferences(), Owners.controllerRef(withKind(d))));
        updateIgnoringNotFound(copy);
        wrote = true;
      }
    }
    return wrote ? null : owned;
  }

  private static Deployment withKind(Deployment d) {
    if (d.getKind() == null || d.getApiVersion() == null) {
      Deployment c = new DeploymentBuilder(d).build();
      c.setKind("Deployment");
      c.setApiVersion("apps/v1");
      return c;
    }
    return d;
  }

  // ---- strategies ------------------------------------------------------------------------

  private Result rolloutRolling(Deployment d, List<ReplicaSet> rsList) {
    int replicas = replicas(d);
    ReplicaSet newRs = findNewReplicaSet(d, rsList);
    List<ReplicaSet> old = oldReplicaSets(rsList, newRs);
    RollingMath.Limits limits = limits(d);
    if (newRs == null) {
      int initial = RollingMath.newReplicaSetReplicas(replicas, limits, podsUpperBound(old), 0);
      createNewReplicaSet(d, old, initial);
      return Result.done();
    }
    if (ensureRevision(d, newRs, old)) {
      return Result.done();
    }
    // Scale the new ReplicaSet up within maxSurge. An old ReplicaSet just scaled down may still
    // have its pods (its status says so): count the larger of spec and status, so that pods never
    // exceed replicas + maxSurge, even for a moment.
    int newTarget = RollingMath.newReplicaSetReplicas(replicas, limits, podsUpperBound(rsList), spec(newRs));
    if (newTarget != spec(newRs)) {
      scale(d, newRs, newTarget, limits);
      return Result.done();
    }
    // Scale old ReplicaSets down while keeping minAvailable.
    if (scaleDownOld(d, old, newRs, limits)) {
      return Result.done();
    }
    if (isComplete(d, rsList, newRs)) {
      cleanup(d, old);
    }
    return syncStatus(d, rsList, newRs, false);
  }

  private Result rolloutRecreate(Deployment d, List<ReplicaSet> rsList) {
    ReplicaSet newRs = findNewReplicaSet(d, rsList);
    List<ReplicaSet> old = oldReplicaSets(rsList, newRs);
    RollingMath.Limits limits = new RollingMath.Limits(0, 0);
    boolean scaled = false;
    for (ReplicaSet rs : old) {
      if (spec(rs) != 0) {
        scale(d, rs, 0, limits);
        scaled = true;
      }
    }
    if (scaled) {
      return Result.done();
    }
    int oldPods = old.stream().mapToInt(rs -> rs.getStatus() == null ? 0 : nz(rs.getStatus().getReplicas())).sum();
    if (oldPods > 0) {
      return syncStatus(d, rsList, newRs, false); // wait until every old pod is gone
    }
    if (newRs == null) {
      createNewReplicaSet(d, old, replicas(d));
      return Result.done();
    }
    if (ensureRevision(d, newRs, old)) {
      return Result.done();
    }
    if (spec(newRs) != replicas(d)) {
      scale(d, newRs, replicas(d), limits);
      return Result.done();
    }
    if (isComplete(d, rsList, newRs)) {
      cleanup(d, old);
    }
    return syncStatus(d, rsList, newRs, false);
  }

  /**
   * Kubernetes' proportional scaling ({@code sync.go scale}): when more than one ReplicaSet has
   * replicas and one of them was sized for another {@code spec.replicas} (its desired-replicas
   * annotation), the change is spread over them by {@link RollingMath#proportional}. A saturated
   * new ReplicaSet or a single active one is left to the rollout. True if it wrote.
   */
  private boolean scaleProportionally(Deployment d, List<ReplicaSet> rsList, ReplicaSet newRs) {
    List<ReplicaSet> active = rsList.stream().filter(rs -> spec(rs) > 0).toList();
    int replicas = replicas(d);
    if (active.size() < 2 || isRecreate(d)) {
      return false;
    }
    boolean scalingEvent = active.stream().anyMatch(rs -> {
      Map<String, String> a = rs.getMetadata().getAnnotations();
      String desired = a == null ? null : a.get(DESIRED_REPLICAS);
      return desired != null && !desired.equals(Integer.toString(replicas));
    });
    if (!scalingEvent || (newRs != null && spec(newRs) == replicas && available(newRs) == replicas)) {
      return false;
    }
    RollingMath.Limits limits = limits(d);
    List<RollingMath.Sized> sized = active.stream().map(rs -> new RollingMath.Sized(rs.getMetadata().getName(), spec(rs),
        intAnnotation(rs, MAX_REPLICAS), created(rs))).toList();
    int statusReplicas = d.getStatus() == null ? 0 : nz(d.getStatus().getReplicas());
    Map<String, Integer> targets = RollingMath.proportional(sized, replicas, limits.maxSurge(), statusReplicas);
    boolean wrote = false;
    for (ReplicaSet rs : active) {
      int target = targets.get(rs.getMetadata().getName());
      Map<String, String> a = rs.getMetadata().getAnnotations();
      boolean annotated = a != null && Integer.toString(replicas).equals(a.get(DESIRED_REPLICAS))
          && Integer.toString(replicas + limits.maxSurge()).equals(a.get(MAX_REPLICAS));
      if (target != spec(rs) || !annotated) {
        scale(d, rs, target, limits);
        wrote = true;
      }
    }
    return wrote;
  }

  private static int intAnnotation(ReplicaSet rs, String key) {
    Map<String, String> a = rs.getMetadata().getAnnotations();
    try {
      return a == null || a.get(key) == null ? 0 : Integer.parseInt(a.get(key));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Old ReplicaSets are scaled down: first unhealthy pods, then available ones above minAvailable. */
  private boolean scaleDownOld(Deployment d, List<ReplicaSet> old, ReplicaSet newRs, RollingMath.Limits limits) {
    int replicas = replicas(d);
    int oldSpec = specSum(old);
    if (oldSpec == 0) {
      return false;
    }
    List<ReplicaSet> all = new ArrayList<>(old);
    all.add(newRs);
    int maxScaledDown = RollingMath.maxScaleDown(replicas, limits, specSum(all), spec(newRs), available(newRs));
    if (maxScaledDown <= 0) {
      return false;
    }
    List<ReplicaSet> oldestFirst = old.stream().sorted(Comparator.comparing(DeploymentController::created)).toList();
    Map<ReplicaSet, Integer> targets = new HashMap<>();
    // Unhealthy replicas first: they count against availability anyway.
    int budget = maxScaledDown;
    for (ReplicaSet rs : oldestFirst) {
      if (budget <= 0) {
        break;
      }
      int unhealthy = spec(rs) - available(rs);
      if (unhealthy <= 0) {
        continue;
      }
      int down = Math.min(budget, unhealthy);
      targets.put(rs, spec(rs) - down);
      budget -= down;
    }
    // Then available pods, keeping replicas - maxUnavailable available overall.
    int minAvailable = replicas - limits.maxUnavailable();
    int availableAll = available(newRs) + old.stream().mapToInt(DeploymentController::available).sum();
    int canRemoveAvailable = Math.min(budget, availableAll - minAvailable);
    for (ReplicaSet rs : oldestFirst) {
      if (canRemoveAvailable <= 0) {
        break;
      }
      int current = targets.getOrDefault(rs, spec(rs));
      int down = Math.min(current, canRemoveAvailable);
      if (down > 0) {
        targets.put(rs, current - down);
        canRemoveAvailable -= down;
      }
    }
    boolean wrote = false;
    for (Map.Entry<ReplicaSet, Integer> e : targets.entrySet()) {
      if (e.getValue() != spec(e.getKey())) {
        scale(d, e.getKey(), e.getValue(), limits);
        wrote = true;
      }
    }
    return wrote;
  }

  // ---- new ReplicaSet and revisions ------------------------------------------------------

  /** The ReplicaSet whose template equals the Deployment's (ignoring the hash label), oldest first. */
  static ReplicaSet findNewReplicaSet(Deployment d, List<ReplicaSet> rsList) {
    return rsList.stream()
        .filter(rs -> rs.getSpec().getTemplate() != null && PodTemplateHash.equalIgnoringHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
        .min(Comparator.comparing(DeploymentController::created))
        .orElse(null);
  }

  private static List<ReplicaSet> oldReplicaSets(List<ReplicaSet> rsList, ReplicaSet newRs) {
    return rsList.stream().filter(rs -> newRs == null || !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid())).toList();
  }

  /** The revision of an object (0 if absent or malformed). */
  public static long revision(io.fabric8.kubernetes.api.model.HasMetadata o) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    if (a == null || a.get(REVISION) == null) {
      return 0;
    }
    try {
      return Long.parseLong(a.get(REVISION));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static long maxRevision(List<ReplicaSet> rsList) {
    return rsList.stream().mapToLong(DeploymentController::revision).max().orElse(0);
  }

  /** Raises the new ReplicaSet's revision above the old ones' (after a rollback); true if written. */
  private boolean ensureRevision(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
    long maxOld = maxRevision(old);
    if (revision(newRs) > maxOld) {
      return false;
    }
    ReplicaSet copy = new ReplicaSetBuilder(newRs).build();
    Map<String, String> ann = copy.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(copy.getMetadata().getAnnotations());
    ann.put(REVISION, Long.toString(maxOld + 1));
    copy.getMetadata().setAnnotations(ann);
    updateIgnoringNotFound(copy);
    LOG.info("Raised revision replicaset={}/{} revision={}", newRs.getMetadata().getNamespace(), newRs.getMetadata().getName(), maxOld + 1);
    return true;
  }

  private void createNewReplicaSet(Deployment d, List<ReplicaSet> old, int replicas) {
    int collisions = d.getStatus() == null || d.getStatus().getCollisionCount() == null ? 0 : d.getStatus().getCollisionCount();
    String hash = PodTemplateHash.of(d.getSpec().getTemplate(), collisions == 0 ? null : collisions);
    PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
    Map<String, String> labels = template.getMetadata().getLabels() == null ? new HashMap<>() : new HashMap<>(template.getMetadata().getLabels());
    labels.put(PodTemplateHash.LABEL, hash);
    template.getMetadata().setLabels(labels);
    LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector()).addToMatchLabels(PodTemplateHash.LABEL, hash).build();
    RollingMath.Limits limits = limits(d);
    Map<String, String> ann = new HashMap<>();
    if (d.getMetadata().getAnnotations() != null) {
      d.getMetadata().getAnnotations().forEach((k, v) -> {
        if (!k.equals("kubectl.kubernetes.io/last-applied-configuration") && !k.startsWith("deployment.kubernetes.io/")) {
          ann.put(k, v);
        }
      });
    }
    ann.put(REVISION, Long.toString(maxRevision(old) + 1));
    ann.put(DESIRED_REPLICAS, Integer.toString(replicas(d)));
    ann.put(MAX_REPLICAS, Integer.toString(replicas(d) + limits.maxSurge()));
    ReplicaSet rs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName(d.getMetadata().getName() + "-" + hash)
            .withNamespace(d.getMetadata().getNamespace())
            .withLabels(labels)
            .withAnnotations(ann)
            .withOwnerReferences(Owners.controllerRef(withKind(d)))
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withMinReadySeconds(d.getSpec().getMinReadySeconds())
            .withSelector(selector)
            .withTemplate(template)
            .endSpec()
            .build();
    try {
      client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(rs).create();
      LOG.info("Created replicaset={}/{} deployment={} replicas={}", d.getMetadata().getNamespace(), rs.getMetadata().getName(), d.getMetadata().getName(), replicas);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      ReplicaSet existing = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).get();
      if (existing != null && Owners.isControlledBy(existing, d)
          && PodTemplateHash.equalIgnoringHash(existing.getSpec().getTemplate(), d.getSpec().getTemplate())) {
        return; // ours; the informer has not shown it yet
      }
      // A hash collision: bump collisionCount so the next hash differs.
      Deployment copy = new DeploymentBuilder(d).editOrNewStatus().withCollisionCount(collisions + 1).endStatus().build();
      client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(copy).updateStatus();
      throw new IllegalStateException("pod-template-hash collision for replicaset " + rs.getMetadata().getName());
    }
  }

  private void scale(Deployment d, ReplicaSet rs, int replicas, RollingMath.Limits limits) {
    ReplicaSet copy = new ReplicaSetBuilder(rs).build();
    copy.getSpec().setReplicas(replicas);
    copy.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
    Map<String, String> ann = copy.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(copy.getMetadata().getAnnotations());
    ann.put(DESIRED_REPLICAS, Integer.toString(replicas(d)));
    ann.put(MAX_REPLICAS, Integer.toString(replicas(d) + limits.maxSurge()));
    copy.getMetadata().setAnnotations(ann);
    updateIgnoringNotFound(copy);
    LOG.info("Scaled replicaset={}/{} from={} to={}", rs.getMetadata().getNamespace(), rs.getMetadata().getName(), spec(rs), replicas);
  }

  private void cleanup(Deployment d, List<ReplicaSet> old) {
    int limit = d.getSpec().getRevisionHistoryLimit() == null ? 10 : d.getSpec().getRevisionHistoryLimit();
    List<ReplicaSet> removable =
        old.stream()
            .filter(rs -> spec(rs) == 0 && (rs.getStatus() == null || nz(rs.getStatus().getReplicas()) == 0))
            .filter(rs -> rs.getMetadata().getDeletionTimestamp() == null)
            .sorted(Comparator.<ReplicaSet>comparingLong(rs -> revision(rs)).thenComparing(DeploymentController::created))
            .toList();
    int excess = removable.size() - limit;
    for (int i = 0; i < excess; i++) {
      ReplicaSet rs = removable.get(i);
      try {
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).delete();
        LOG.info("Deleted old replicaset={}/{} revision={}", rs.getMetadata().getNamespace(), rs.getMetadata().getName(), revision(rs));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  // ---- status ----------------------------------------------------------------------------

  private boolean isComplete(Deployment d, List<ReplicaSet> rsList, ReplicaSet newRs) {
    int replicas = replicas(d);
    int updated = newRs == null || newRs.getStatus() == null ? 0 : nz(newRs.getStatus().getReplicas());
    int total = rsList.stream().mapToInt(rs -> rs.getStatus() == null ? 0 : nz(rs.getStatus().getReplicas())).sum();
    int available = rsList.stream().mapToInt(DeploymentController::available).sum();
    return updated == replicas && total == replicas && available == replicas
        && newRs != null && Objects.equals(newRs.getStatus() == null ? null : newRs.getStatus().getObservedGeneration(), newRs.getMetadata().getGeneration());
  }

  private Result syncStatus(Deployment d, List<ReplicaSet> rsList, ReplicaSet newRs, boolean created) {
    int replicas = replicas(d);
    DeploymentStatus old = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    int total = rsList.stream().mapToInt(rs -> rs.getStatus() == null ? 0 : nz(rs.getStatus().getReplicas())).sum();
    int updated = newRs == null || newRs.getStatus() == null ? 0 : nz(newRs.getStatus().getReplicas());
    int ready = rsList.stream().mapToInt(rs -> rs.getStatus() == null ? 0 : nz(rs.getStatus().getReadyReplicas())).sum();
    int available = rsList.stream().mapToInt(DeploymentController::available).sum();
    DeploymentStatusBuilder b =
        new DeploymentStatusBuilder(old)
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(total)
            .withUpdatedReplicas(updated)
            .withReadyReplicas(ready)
            .withAvailableReplicas(available)
            .withUnavailableReplicas(Math.max(0, replicas - available));
    DeploymentStatus status = b.build();
    List<DeploymentCondition> conds = old.getConditions() == null ? new ArrayList<>() : new ArrayList<>(old.getConditions());
    String now = Pods.formatTime(Instant.now());
    RollingMath.Limits limits = isRecreate(d) ? new RollingMath.Limits(0, 0) : limits(d);
    if (available >= replicas - limits.maxUnavailable()) {
      setCondition(conds, AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, false);
    } else {
      setCondition(conds, AVAILABLE, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now, false);
    }
    boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
    // The API server defaults it to 600; an undefaulted object gets the same.
    Integer deadline = d.getSpec().getProgressDeadlineSeconds() == null ? 600 : d.getSpec().getProgressDeadlineSeconds();
    DeploymentCondition progressing = find(conds, PROGRESSING);
    Result result = Result.done();
    String rsName = newRs == null ? "" : newRs.getMetadata().getName();
    if (paused) {
      if (progressing == null || !"DeploymentPaused".equals(progressing.getReason())) {
        setCondition(conds, PROGRESSING, "Unknown", "DeploymentPaused", "Deployment is paused", now, false);
      }
    } else if (progressing != null && "DeploymentPaused".equals(progressing.getReason())) {
      setCondition(conds, PROGRESSING, "Unknown", "DeploymentResumed", "Deployment is resumed", now, false);
      result = Result.requeueAfter(Duration.ZERO);
    } else if (deadline != null && deadline != Integer.MAX_VALUE) {
      boolean complete = newRs != null && updated == replicas && total == replicas && available == replicas;
      boolean progressed = created
          || updated > nz(old.getUpdatedReplicas())
          || ready > nz(old.getReadyReplicas())
          || available > nz(old.getAvailableReplicas())
          || total - updated < nz(old.getReplicas()) - nz(old.getUpdatedReplicas())
          || progressing == null;
      if (complete) {
        if (progressing == null || !"NewReplicaSetAvailable".equals(progressing.getReason())) {
          setCondition(conds, PROGRESSING, "True", "NewReplicaSetAvailable", "ReplicaSet \"" + rsName + "\" has successfully progressed.", now, true);
        }
      } else if (progressed || (progressing != null && "NewReplicaSetAvailable".equals(progressing.getReason()))) {
        String reason = progressing == null && newRs != null ? "NewReplicaSetCreated" : "ReplicaSetUpdated";
        String msg = "NewReplicaSetCreated".equals(reason)
            ? "Created new replica set \"" + rsName + "\"" : "ReplicaSet \"" + rsName + "\" is progressing.";
        setCondition(conds, PROGRESSING, "True", reason, msg, now, true);
        result = Result.requeueAfter(Duration.ofSeconds(deadline).plusMillis(500));
      } else if (progressing != null && !"ProgressDeadlineExceeded".equals(progressing.getReason())) {
        Instant last = Pods.parseTime(progressing.getLastUpdateTime());
        Instant expiry = last == null ? Instant.now() : last.plusSeconds(deadline);
        if (!Instant.now().isBefore(expiry)) {
          setCondition(conds, PROGRESSING, "False", "ProgressDeadlineExceeded", "ReplicaSet \"" + rsName + "\" has timed out progressing.", now, false);
          LOG.info("Deployment exceeded its progress deadline deployment={}/{}", d.getMetadata().getNamespace(), d.getMetadata().getName());
        } else {
          result = Result.requeueAfter(Duration.between(Instant.now(), expiry).plusMillis(500));
        }
      }
    }
    status.setConditions(conds);
    // The Deployment carries the new ReplicaSet's revision, as `kubectl rollout history` expects.
    Deployment current = d;
    if (newRs != null && revision(newRs) > 0 && revision(d) != revision(newRs)) {
      Deployment copy = new DeploymentBuilder(d).build();
      Map<String, String> ann = copy.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(copy.getMetadata().getAnnotations());
      ann.put(REVISION, Long.toString(revision(newRs)));
      copy.getMetadata().setAnnotations(ann);
      current = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(copy).update();
    }
    if (!statusEquals(old, status) || current != d) {
      Deployment copy = new DeploymentBuilder(current).withStatus(status).build();
      client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(copy).updateStatus();
    }
    return result;
  }

  private static boolean statusEquals(DeploymentStatus a, DeploymentStatus b) {
    return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && nz(a.getReplicas()) == nz(b.getReplicas())
        && nz(a.getUpdatedReplicas()) == nz(b.getUpdatedReplicas())
        && nz(a.getReadyReplicas()) == nz(b.getReadyReplicas())
        && nz(a.getAvailableReplicas()) == nz(b.getAvailableReplicas())
        && nz(a.getUnavailableReplicas()) == nz(b.getUnavailableReplicas())
        && Objects.equals(a.getCollisionCount(), b.getCollisionCount())
        && Objects.equals(a.getConditions() == null ? List.of() : a.getConditions(), b.getConditions() == null ? List.of() : b.getConditions());
  }

  private static DeploymentCondition find(List<DeploymentCondition> conds, String type) {
    return conds.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /**
   * Sets a condition; lastTransitionTime changes only with the status. With {@code touch} the
   * lastUpdateTime is refreshed even if nothing else changed (Progressing on progress).
   */
  private static void setCondition(List<DeploymentCondition> conds, String type, String status, String reason, String message, String now, boolean touch) {
    DeploymentCondition cur = find(conds, type);
    if (cur != null && status.equals(cur.getStatus()) && reason.equals(cur.getReason()) && message.equals(cur.getMessage()) && !touch) {
      return;
    }
    String transition = cur != null && status.equals(cur.getStatus()) ? cur.getLastTransitionTime() : now;
    DeploymentCondition c =
        new DeploymentConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .withLastUpdateTime(now)
            .withLastTransitionTime(transition)
            .build();
    if (cur != null) {
      conds.set(conds.indexOf(cur), c);
    } else {
      conds.add(c);
    }
  }

  // ---- small helpers ---------------------------------------------------------------------

  private void updateIgnoringNotFound(ReplicaSet rs) {
    try {
      client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static boolean isRecreate(Deployment d) {
    return d.getSpec().getStrategy() != null && "Recreate".equals(d.getSpec().getStrategy().getType());
  }

  private static RollingMath.Limits limits(Deployment d) {
    var s = d.getSpec().getStrategy();
    var ru = s == null ? null : s.getRollingUpdate();
    return RollingMath.limits(ru == null ? null : ru.getMaxSurge(), ru == null ? null : ru.getMaxUnavailable(), replicas(d));
  }

  private static int replicas(Deployment d) {
    return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
  }

  private static int spec(ReplicaSet rs) {
    return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
  }

  private static int specSum(List<ReplicaSet> l) {
    return l.stream().mapToInt(DeploymentController::spec).sum();
  }

  /** An upper bound of the pods the ReplicaSets have now: max(spec, status.replicas) each. */
  private static int podsUpperBound(List<ReplicaSet> l) {
    return l.stream().mapToInt(rs -> Math.max(spec(rs), rs.getStatus() == null ? 0 : nz(rs.getStatus().getReplicas()))).sum();
  }

  private static int available(ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : nz(rs.getStatus().getAvailableReplicas());
  }

  private static String created(ReplicaSet rs) {
    String t = rs.getMetadata().getCreationTimestamp();
    return (t == null ? "" : t) + "/" + rs.getMetadata().getName();
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
