package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.common.resources.Fit;
import io.jk.common.resources.NodeAllocatable;
import io.jk.common.resources.PodRequests;
import io.jk.common.resources.Resources;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.ShimRuntime;
import io.jk.kubelet.server.ContainerHandle;
import io.jk.kubelet.server.PodContainers;
import io.jk.kubelet.status.StatusManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker per pod UID; work for a pod is serialized and updates coalesce into one pending slot
 * that a newer update replaces.
 *
 * <pre>
 *  update ──► [admission] ──► SYNC ──(sync every syncPeriod; phase Succeeded/Failed: stop sandbox, keep logs)
 *                 │ rejected: status Failed/OutOfcpu, waits for deletion
 *                 ▼
 *  deletionTimestamp or gone from the API ──► TERMINATING (preStop, SIGTERM, grace, SIGKILL, CNI DEL)
 *                 ──► final status, delete with grace 0, cleanup ──► TERMINATED (worker removed)
 * </pre>
 *
 * <p>Timestamps of each transition are kept ({@code syncStartedAt}, {@code terminatingAt},
 * {@code terminatedAt}) for logs and tests.
 */
public final class PodWorkers implements PodContainers {
  private static final Logger LOG = LoggerFactory.getLogger(PodWorkers.class);

  /** A pod worker's lifecycle phase. */
  public enum Phase { SYNC, TERMINATING, TERMINATED }

  private final PodSyncer syncer;
  private final StatusManager statuses;
  private final KubernetesClient client;
  private final Supplier<Node> node;
  private final ScheduledExecutorService executor;
  private final Duration syncPeriod;
  private final Map<String, Worker> workers = new ConcurrentHashMap<>();
  /** UIDs already torn down: late events about them (the informer's delete after ours) are ignored. */
  private final Set<String> terminated = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  public PodWorkers(PodSyncer syncer, StatusManager statuses, KubernetesClient client, Supplier<Node> node,
      ScheduledExecutorService executor, Duration syncPeriod) {
    this.syncer = syncer;
    this.statuses = statuses;
    this.client = client;
    this.node = node;
    this.executor = executor;
    this.syncPeriod = syncPeriod;
  }

  /** A newer version of a pod bound to this node (add or update). */
  public void update(Pod pod) {
    if (stopped) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (terminated.contains(uid)) {
      return;
    }
    Worker w = workers.computeIfAbsent(uid, Worker::new);
    Pod known = w.pending.get() != null ? w.pending.get() : w.current;
    w.pending.set(pod);
    if (known != null && onlyStatusChanged(known, pod)) {
      // most often the echo of our own status write: the next periodic sync picks the newer object up
      return;
    }
    trigger(w);
  }

  /** Whether {@code newer} differs from {@code older} only in what a sync does not act on (status, resourceVersion). */
  static boolean onlyStatusChanged(Pod older, Pod newer) {
    var a = older.getMetadata();
    var b = newer.getMetadata();
    return java.util.Objects.equals(older.getSpec(), newer.getSpec())
        && java.util.Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        && java.util.Objects.equals(a.getDeletionGracePeriodSeconds(), b.getDeletionGracePeriodSeconds())
        && java.util.Objects.equals(a.getLabels(), b.getLabels())
        && java.util.Objects.equals(a.getAnnotations(), b.getAnnotations())
        && java.util.Objects.equals(a.getGeneration(), b.getGeneration());
  }

  /** The pod is gone from the API (deleted with grace 0, or deleted while the kubelet was down). */
  public void deleted(Pod pod) {
    if (stopped || terminated.contains(pod.getMetadata().getUid())) {
      return;
    }
    Worker w = workers.computeIfAbsent(pod.getMetadata().getUid(), Worker::new);
    w.pending.compareAndSet(null, pod);
    w.goneFromApi = true;
    trigger(w);
  }

  /** Tears down pods that have files on this node but are no longer in the API (after a restart). */
  public void removeOrphans(Set<String> apiUids) {
    for (String uid : syncer.dirs().podUids()) {
      if (apiUids.contains(uid) || workers.containsKey(uid)) {
        continue;
      }
      Pod pod = syncer.readPodFile(uid);
      if (pod == null) {
        LOG.warn("Orphan pod directory without pod.json uid={}", uid);
        syncer.cleanup(uid);
        continue;
      }
      LOG.info("Tearing down pod deleted while the kubelet was away pod={} uid={}", PodSyncer.key(pod), uid);
      deleted(pod);
    }
  }

  /** Stops scheduling work; containers keep running (a restarted kubelet adopts them). */
  public void stop() {
    stopped = true;
    workers.values().forEach(w -> {
      ScheduledFuture<?> f = w.next;
      if (f != null) {
        f.cancel(false);
      }
    });
  }

  /** The phase of the worker of {@code uid}, if there is one. */
  public Optional<Phase> phase(String uid) {
    Worker w = workers.get(uid);
    return w == null ? Optional.empty() : Optional.of(w.phase);
  }

  private void trigger(Worker w) {
    if (stopped) {
      return;
    }
    if (w.running.compareAndSet(false, true)) {
      try {
        executor.execute(w);
      } catch (RuntimeException e) {
        w.running.set(false);
      }
    } else {
      w.dirty.set(true);
    }
  }

  /** One pod's serialized work. */
  private final class Worker implements Runnable {
    final String uid;
    final AtomicReference<Pod> pending = new AtomicReference<>();
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicBoolean dirty = new AtomicBoolean();
    final PodRecord rec;
    volatile Pod current;
    volatile boolean goneFromApi;
    volatile Phase phase = Phase.SYNC;
    volatile ScheduledFuture<?> next;
    boolean admitted;
    Instant syncStartedAt;
    Instant terminatingAt;
    Instant terminatedAt;

    Worker(String uid) {
      this.uid = uid;
      this.rec = new PodRecord(uid);
    }

    @Override
    public void run() {
      try {
        do {
          dirty.set(false);
          if (stopped) {
            return;
          }
          try {
            runOnce();
          } catch (RuntimeException e) {
            LOG.error("Pod sync failed uid={} err={}", uid, e.toString(), e);
            schedule();
          }
        } while (dirty.get());
      } finally {
        running.set(false);
        if (dirty.get() && !stopped) {
          trigger(this);
        }
      }
    }

    private void schedule() {
      if (stopped || phase == Phase.TERMINATED) {
        return;
      }
      try {
        next = executor.schedule(() -> trigger(this), syncPeriod.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        // executor shut down
      }
    }

    private void runOnce() {
      Pod p = pending.getAndSet(null);
      if (p != null) {
        current = p;
      }
      Pod pod = current;
      if (pod == null || phase == Phase.TERMINATED) {
        return;
      }
      if (goneFromApi || pod.getMetadata().getDeletionTimestamp() != null) {
        terminate(pod);
        return;
      }
      if (!admitted) {
        admitted = true;
        if (!admit(pod)) {
          rec.finished = true;
          return;
        }
        syncStartedAt = Instant.now();
      }
      if (rec.finished) {
        return;
      }
      PodStatus status = syncer.sync(pod, rec);
      rec.trace.mark("statusBuild");
      boolean written = statuses.set(pod, status);
      if (written && !rec.trace.done() && "Running".equals(status.getPhase())) {
        rec.trace.mark("statusWrite");
        LOG.debug("Pod startup pod={} {}", PodSyncer.key(pod), rec.trace.finish());
      }
      if (PodStatusBuilder.terminal(status.getPhase())) {
        // restartPolicy Never/OnFailure pods that finished: stop the sidecars (within the grace period), then the
        // sandbox; keep the logs, and report the sidecars' ends
        boolean sidecars = PodSyncer.list(pod.getSpec().getInitContainers()).stream().anyMatch(PodSyncer::isSidecar);
        syncer.stopAll(pod, rec, sidecars ? PodSyncer.grace(pod) : 0);
        if (sidecars) {
          PodStatus end = syncer.status(pod, rec);
          end.setPhase(status.getPhase());
          statuses.set(pod, end);
        }
        rec.finished = true;
        LOG.info("Pod finished pod={} phase={}", PodSyncer.key(pod), status.getPhase());
        return;
      }
      schedule();
    }

    private void terminate(Pod pod) {
      phase = Phase.TERMINATING;
      terminatingAt = Instant.now();
      long grace = PodSyncer.grace(pod);
      LOG.info("Terminating pod={} uid={} grace={}s", PodSyncer.key(pod), uid, grace);
      syncer.stopAll(pod, rec, grace);
      if (!goneFromApi && !rec.finished) {
        statuses.set(pod, syncer.status(pod, rec));
      }
      // files, volumes and cgroups go before the API object, so a pod gone from the API is gone from the node
      syncer.cleanup(uid);
      if (!goneFromApi) {
        try {
          client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
              .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            LOG.warn("Pod delete failed pod={} err={}", PodSyncer.key(pod), e.getMessage());
          }
        }
      }
      statuses.forget(uid);
      terminated.add(uid);
      phase = Phase.TERMINATED;
      terminatedAt = Instant.now();
      workers.remove(uid, this);
      LOG.info("Pod terminated pod={} uid={} tookMs={}", PodSyncer.key(pod), uid,
          Duration.between(terminatingAt, terminatedAt).toMillis());
    }

    /** Admission: already-running pods (adopted after a restart) pass; new ones must fit next to the admitted ones. */
    private boolean admit(Pod pod) {
      if (Files.isDirectory(syncer.dirs().pod(uid)) || pod.getStatus() != null && pod.getStatus().getPhase() != null
          && !"Pending".equals(pod.getStatus().getPhase())) {
        return true;
      }
      Node n = node.get();
      if (n == null) {
        return true;
      }
      Resources used = Resources.ZERO;
      for (Worker w : workers.values()) {
        if (w != this && w.admitted && !w.rec.finished && w.phase == Phase.SYNC && w.current != null) {
          used = used.plus(PodRequests.of(w.current));
        }
      }
      Resources req = PodRequests.of(pod);
      Resources alloc = NodeAllocatable.of(n);
      List<String> reasons = Fit.check(req, alloc, used);
      if (reasons.isEmpty()) {
        return true;
      }
      String first = reasons.get(0);
      String resource = first.equals("Too many pods") ? "pods" : first.substring("Insufficient ".length());
      long requested = switch (resource) {
        case "cpu" -> req.cpuMilli();
        case "memory" -> req.memory();
        case "ephemeral-storage" -> req.ephemeralStorage();
        default -> 1;
      };
      long usedAmount = switch (resource) {
        case "cpu" -> used.cpuMilli();
        case "memory" -> used.memory();
        case "ephemeral-storage" -> used.ephemeralStorage();
        default -> used.pods();
      };
      long capacity = switch (resource) {
        case "cpu" -> alloc.cpuMilli();
        case "memory" -> alloc.memory();
        case "ephemeral-storage" -> alloc.ephemeralStorage();
        default -> alloc.pods();
      };
      String reason = "OutOf" + resource;
      String message = "Pod was rejected: Node didn't have enough resource: " + resource + ", requested: " + requested
          + ", used: " + usedAmount + ", capacity: " + capacity;
      LOG.info("Pod rejected pod={} reason={}", PodSyncer.key(pod), reason);
      PodStatus st = new io.fabric8.kubernetes.api.model.PodStatusBuilder(pod.getStatus() == null ? new PodStatus()
          : pod.getStatus()).withPhase("Failed").withReason(reason).withMessage(message)
          .withStartTime(PodStatusBuilder.ts(Instant.now())).build();
      statuses.set(pod, st);
      return false;
    }
  }

  // ---------------------------------------------------------------- PodContainers

  @Override
  public Optional<ContainerHandle> find(String namespace, String podName, String containerName, boolean previous) {
    for (Worker w : workers.values()) {
      Pod pod = w.current;
      if (pod == null || !pod.getMetadata().getNamespace().equals(namespace) || !pod.getMetadata().getName().equals(podName)) {
        continue;
      }
      List<Integer> attempts = syncer.dirs().attempts(w.uid, containerName);
      int idx = attempts.size() - (previous ? 2 : 1);
      if (idx < 0) {
        return Optional.empty();
      }
      int attempt = attempts.get(idx);
      Path dir = syncer.dirs().instance(w.uid, containerName, attempt);
      ShimRuntime rt = syncer.runtime();
      return Optional.of(new ContainerHandle(ContainerDirs.containerId(w.uid, containerName, attempt),
          ShimRuntime.logFile(dir), rt.state(dir).running(), rt.runtimePath(), rt.runtimeRoot(),
          Cgroups.ownPath("memory") + "/" + syncer.containerCgroup(w.uid, containerName, attempt)));
    }
    return Optional.empty();
  }

  @Override
  public List<Pod> pods() {
    List<Pod> out = new ArrayList<>();
    for (Worker w : workers.values()) {
      if (w.current != null) {
        out.add(w.current);
      }
    }
    return out;
  }
}
