package io.jk.controllers.job;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.jk.common.controller.Controller;
import io.jk.common.controller.ControllerExpectations;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Jobs to completion ({@code pkg/controller/job}): keeps
 * {@code min(parallelism, completions - succeeded)} pods active, counts succeeded and failed pods,
 * fails the Job with {@code BackoffLimitExceeded} once more than {@code backoffLimit} pods failed
 * or with {@code DeadlineExceeded} after {@code activeDeadlineSeconds}, sets the {@code Complete}
 * condition (which {@code kubectl wait --for=condition=complete} reads) when enough pods
 * succeeded, and deletes finished Jobs after {@code ttlSecondsAfterFinished}. Creations use
 * expectations, as the ReplicaSet controller does. Failed pods are replaced only after the pod
 * failure back-off ({@link FailureBackoff}: 10 s doubling per failure, capped at 6 minutes).
 */
public final class JobController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(JobController.class);
  static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
  static final String CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

  private final KubernetesClient client;
  private final SharedIndexInformer<Job> jobs;
  private final SharedIndexInformer<Pod> pods;
  private final ControllerExpectations expectations = new ControllerExpectations();
  private final Map<String, FailureBackoff> backoffs = new java.util.concurrent.ConcurrentHashMap<>();
  private final Duration backoffBase;
  private final Controller controller;

  /** A controller over the given informers, with Kubernetes' 10 s pod failure back-off. */
  public JobController(KubernetesClient client, SharedIndexInformer<Job> jobs, SharedIndexInformer<Pod> pods, MeterRegistry registry, int workers) {
    this(client, jobs, pods, registry, workers, Duration.ofSeconds(10));
  }

  /** A controller over the given informers whose pod failure back-off starts at {@code backoffBase}. */
  public JobController(KubernetesClient client, SharedIndexInformer<Job> jobs, SharedIndexInformer<Pod> pods, MeterRegistry registry,
      int workers, Duration backoffBase) {
    this.backoffBase = backoffBase;
    this.client = client;
    this.jobs = jobs;
    this.pods = pods;
    this.controller = Controller.builder("job", this, registry).workers(workers)
        .watch(jobs)
        .watch(pods, new Controller.Handlers<Pod>() {
          @Override
          public void onAdd(Controller c, Pod pod) {
            String owner = Controller.controllerOwnerKey(pod, "Job");
            if (owner != null) {
              expectations.creationObserved(owner);
              c.enqueue(owner);
            }
          }

          @Override
          public void onUpdate(Controller c, Pod oldPod, Pod newPod) {
            String owner = Controller.controllerOwnerKey(newPod, "Job");
            if (owner != null) {
              c.enqueue(owner);
            }
          }

          @Override
          public void onDelete(Controller c, Pod pod) {
            String owner = Controller.controllerOwnerKey(pod, "Job");
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

  @Override
  public Result reconcile(String key) {
    Job job = jobs.getStore().getByKey(key);
    if (job == null) {
      expectations.delete(key);
      backoffs.remove(key);
      return Result.done();
    }
    Instant now = Instant.now();
    if (finished(job)) {
      return handleTtl(job, now);
    }
    if (job.getMetadata().getDeletionTimestamp() != null) {
      return Result.done();
    }
    List<Pod> owned = pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, job.getMetadata().getNamespace()).stream()
        .filter(p -> Owners.isControlledBy(p, job)).toList();
    List<Pod> active = owned.stream().filter(Pods::isActive).toList();
    int succeeded = (int) owned.stream().filter(p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())).count();
    int failed = (int) owned.stream().filter(p -> p.getStatus() != null && "Failed".equals(p.getStatus().getPhase())).count();
    int ready = (int) active.stream().filter(Pods::isReady).count();
    JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
    // Counts never go down: pods may have been removed since they were counted.
    succeeded = Math.max(succeeded, nz(old.getSucceeded()));
    failed = Math.max(failed, nz(old.getFailed()));
    String startTime = old.getStartTime() == null ? Pods.formatTime(now) : old.getStartTime();
    int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
    int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
    Integer completions = job.getSpec().getCompletions();
    Long deadline = job.getSpec().getActiveDeadlineSeconds();
    List<JobCondition> conds = old.getConditions() == null ? new ArrayList<>() : new ArrayList<>(old.getConditions());
    String completionTime = old.getCompletionTime();
    Result result = Result.done();
    String failReason = null;
    String failMessage = null;
    Instant started = Pods.parseTime(startTime);
    if (failed > backoffLimit) {
      failReason = "BackoffLimitExceeded";
      failMessage = "Job has reached the specified backoff limit";
    } else if (deadline != null && started != null && !now.isBefore(started.plusSeconds(deadline))) {
      failReason = "DeadlineExceeded";
      failMessage = "Job was active longer than specified deadline";
    } else if (deadline != null && started != null) {
      result = Result.requeueAfter(Duration.between(now, started.plusSeconds(deadline)).plusMillis(50));
    }
    boolean complete = failReason == null && (completions != null ? succeeded >= completions : succeeded > 0 && active.isEmpty());
    String ts = Pods.formatTime(now);
    if (failReason != null) {
      for (Pod p : active) {
        deletePod(p);
      }
      conds.add(condition("FailureTarget", failReason, failMessage, ts));
      conds.add(condition("Failed", failReason, failMessage, ts));
      LOG.info("Job failed job={} reason={}", key, failReason);
    } else if (complete) {
      conds.add(condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", ts));
      conds.add(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", ts));
      completionTime = ts;
      LOG.info("Job complete job={} succeeded={}", key, succeeded);
    } else if (expectations.satisfied(key)) {
      int want = completions != null ? Math.min(parallelism, completions - succeeded) : (succeeded > 0 ? 0 : parallelism);
      int diff = want - active.size();
      FailureBackoff backoff = backoffs.computeIfAbsent(key, k -> new FailureBackoff(backoffBase));
      backoff.retain(owned);
      Duration wait = diff > 0 ? backoff.remaining(owned, now) : Duration.ZERO;
      if (!wait.isZero()) {
        result = result.min(Result.requeueAfter(wait.plusMillis(10)));
        LOG.debug("Job pod failure back-off job={} waitMs={}", key, wait.toMillis());
      } else if (diff > 0) {
        expectations.expectCreations(key, diff);
        for (int i = 0; i < diff; i++) {
          createPod(key, job);
        }
      } else if (diff < 0) {
        List<Pod> victims = Pods.toDelete(active, -diff);
        expectations.expectDeletions(key, victims.stream().map(Controller::keyOf).toList());
        victims.forEach(this::deletePod);
      }
    }
    int activeCount = failReason != null || complete ? 0 : active.size();
    JobStatus status = new JobStatusBuilder(old)
        .withStartTime(startTime)
        .withActive(activeCount)
        .withReady(failReason != null || complete ? 0 : ready)
        .withSucceeded(succeeded)
        .withFailed(failed)
        .withCompletionTime(completionTime)
        .withConditions(conds)
        .build();
    if (!Objects.equals(old, status)) {
      Job copy = new JobBuilder(job).withStatus(status).build();
      client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(copy).updateStatus();
    }
    if ((failReason != null || complete) && job.getSpec().getTtlSecondsAfterFinished() != null) {
      return Result.requeueAfter(Duration.ofSeconds(job.getSpec().getTtlSecondsAfterFinished()).plusMillis(50));
    }
    return result;
  }

  private Result handleTtl(Job job, Instant now) {
    Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
    if (ttl == null || job.getMetadata().getDeletionTimestamp() != null) {
      return Result.done();
    }
    Instant finishedAt = job.getStatus().getConditions().stream()
        .filter(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()))
        .map(c -> Pods.parseTime(c.getLastTransitionTime())).filter(Objects::nonNull).findFirst().orElse(now);
    Instant expiry = finishedAt.plusSeconds(ttl);
    if (now.isBefore(expiry)) {
      return Result.requeueAfter(Duration.between(now, expiry).plusMillis(50));
    }
    try {
      client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      LOG.info("Deleted finished job job={}/{} ttlSecondsAfterFinished={}", job.getMetadata().getNamespace(), job.getMetadata().getName(), ttl);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    return Result.done();
  }

  private static boolean finished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
  }

  private static JobCondition condition(String type, String reason, String message, String ts) {
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
        .withLastProbeTime(ts).withLastTransitionTime(ts).build();
  }

  private void createPod(String key, Job job) {
    var tm = job.getSpec().getTemplate().getMetadata() == null ? new ObjectMeta() : job.getSpec().getTemplate().getMetadata();
    Map<String, String> labels = tm.getLabels() == null ? new HashMap<>() : new HashMap<>(tm.getLabels());
    labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
    labels.put("job-name", job.getMetadata().getName());
    labels.put(CONTROLLER_UID_LABEL, job.getMetadata().getUid());
    labels.put("controller-uid", job.getMetadata().getUid());
    Job withKind = new JobBuilder(job).withKind("Job").withApiVersion("batch/v1").build();
    Pod pod = new PodBuilder()
        .withNewMetadata().withGenerateName(job.getMetadata().getName() + "-").withNamespace(job.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(tm.getAnnotations()).withOwnerReferences(Owners.controllerRef(withKind)).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .build();
    try {
      client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (!io.jk.controllers.pods.WriteOutcome.mayStillApply(e)) {
        expectations.creationObserved(key); // a timed-out create may still land: keep expecting it
      }
      throw e;
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

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
