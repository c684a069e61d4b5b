package io.jk.scheduler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.common.leader.LeaderElection;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.client.Patches;
import io.jk.common.json.Json;
import io.jk.scheduler.cache.SchedulerCache;
import io.jk.scheduler.framework.CycleState;
import io.jk.scheduler.framework.Framework;
import io.jk.scheduler.framework.PodInfo;
import io.jk.scheduler.informer.LeanInformer;
import io.jk.scheduler.queue.QueuedPod;
import io.jk.scheduler.queue.SchedulingQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler component: informers on pods, nodes and PriorityClasses feed the queue and the
 * cache; one thread runs scheduling cycles; bindings go out asynchronously. With leader election
 * on, cycles run only while this instance holds the Lease.
 *
 * <p>Lifecycle: {@link #start()} syncs the informers and starts scheduling (or campaigning);
 * {@link #stop()} ends everything and releases the Lease.
 */
public final class Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  private final Vertx vertx;
  private final KubernetesClient client;
  private final SchedulerConfig config;
  private final Framework framework;
  private final SchedulerCache cache = new SchedulerCache();
  private final SchedulingQueue queue = new SchedulingQueue();
  private final Map<String, Integer> priorityClasses = new ConcurrentHashMap<>();
  /** Namespace labels by name, for pod affinity's namespaceSelector. */
  private final Map<String, Map<String, String>> namespaceLabels = new ConcurrentHashMap<>();
  /** Preemptors by uid, with the node nominated for them. */
  private final Map<String, Map.Entry<String, PodInfo>> nominations = new ConcurrentHashMap<>();
  private volatile Integer globalDefaultPriority;
  private final ExecutorService writer = Executors.newFixedThreadPool(2, daemon("scheduler-writer"));
  private final AtomicBoolean running = new AtomicBoolean();
  private final String identity = "jk-scheduler-" + UUID.randomUUID().toString().substring(0, 8);
  private final Counter scheduled;
  private final Counter unschedulable;
  private final Counter errors;
  private final Timer e2e;
  /** Pods through the lean informer: every pod event of the cluster is the hottest stream. */
  private LeanInformer<Pod> podInformer;
  private SharedIndexInformer<Node> nodeInformer;
  private SharedIndexInformer<PriorityClass> pcInformer;
  private SharedIndexInformer<Namespace> nsInformer;
  private SharedIndexInformer<PodDisruptionBudget> pdbInformer;
  private Thread loop;
  private LeaderElection election;
  private volatile boolean leading;
  private volatile boolean scheduledEvents = true;
  private final ScheduledEvents events;

  /** A scheduler talking to the API through {@code client}, with metrics in {@code registry}. */
  public Scheduler(Vertx vertx, KubernetesClient client, SchedulerConfig config,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
    this.framework = Plugins.framework(config, client,
        ns -> namespaceLabels.getOrDefault(ns, Map.of()));
    this.events = new ScheduledEvents(client, config.schedulerName());
    this.framework.setNominatedPods(node -> {
      if (nominations.isEmpty()) {
        return List.of();
      }
      List<PodInfo> out = new java.util.ArrayList<>();
      for (var e : nominations.values()) {
        if (e.getKey().equals(node)) {
          out.add(e.getValue());
        }
      }
      return out;
    });
    this.scheduled = attempts(registry, "scheduled");
    this.unschedulable = attempts(registry, "unschedulable");
    this.errors = attempts(registry, "error");
    this.e2e = Timer.builder("scheduler.e2e.scheduling.duration")
        .description("Time from a pod entering the queue to its binding")
        .publishPercentileHistogram().register(registry);
    for (String q : List.of("active", "backoff", "unschedulable")) {
      Gauge.builder("scheduler.pending.pods", queue, qq -> qq.sizes().get(q))
          .description("Pending pods by queue").tag("queue", q).register(registry);
    }
  }

  private static Counter attempts(MeterRegistry r, String result) {
    return Counter.builder("scheduler.schedule.attempts")
        .description("Scheduling attempts by result").tag("result", result).register(r);
  }

  /** Syncs the informers, then schedules (or campaigns for the Lease). */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      startInformers();
      if (config.leaderElect()) {
        campaign();
      } else {
        startLoop();
      }
      return null;
    }, false);
  }

  /** Stops scheduling and the informers, releasing the Lease if held. */
  public Future<Void> stop() {
    return vertx.executeBlocking(() -> {
      if (election != null) {
        election.stop();
      }
      stopLoop();
      if (podInformer != null) {
        podInformer.close();
      }
      for (var inf : new SharedIndexInformer<?>[] {nodeInformer, pcInformer,
          nsInformer, pdbInformer}) {
        if (inf != null) {
          inf.stop();
        }
      }
      writer.shutdownNow();
      return null;
    }, false);
  }

  /**
   * Whether a {@code Scheduled} event ("Successfully assigned ns/pod to node") is written for
   * every binding, as Kubernetes does (default true).
   */
  public void setScheduledEvents(boolean on) {
    scheduledEvents = on;
  }

  /** True while this instance runs scheduling cycles. */
  public boolean isActive() {
    return running.get();
  }

  /** This instance's leader-election identity. */
  public String identity() {
    return identity;
  }

  /** The scheduler's cache (for tests and the benchmark). */
  public SchedulerCache cache() {
    return cache;
  }

  /** The scheduling queue (for tests and metrics). */
  public SchedulingQueue queue() {
    return queue;
  }

  private void startInformers() {
    try {
      pcInformer = client.scheduling().v1().priorityClasses().inform(handler(
          pc -> onPriorityClass(pc, false), (o, n) -> onPriorityClass(n, false),
          pc -> onPriorityClass(pc, true)), 0);
    } catch (KubernetesClientException e) {
      LOG.warn("PriorityClasses unavailable, priorities come from pod spec only err=\"{}\"",
          e.getMessage());
    }
    try {
      nsInformer = client.namespaces().inform(handler(this::onNamespace,
          (o, n) -> onNamespace(n), n -> namespaceLabels.remove(n.getMetadata().getName())), 0);
    } catch (KubernetesClientException e) {
      LOG.warn("Namespaces unavailable, namespace selectors see only names err=\"{}\"",
          e.getMessage());
    }
    try {
      pdbInformer = client.policy().v1().podDisruptionBudget().inAnyNamespace().inform(
          handler(x -> { }, (o, n) -> { }, x -> { }), 0);
    } catch (KubernetesClientException e) {
      LOG.warn("PodDisruptionBudgets unavailable, preemption ignores them err=\"{}\"",
          e.getMessage());
    }
    nodeInformer = client.nodes().inform(handler(this::onNodeAdd, this::onNodeUpdate,
        n -> cache.removeNode(n.getMetadata().getName())), 0);
    // The scheduler never reads container statuses: the largest part of a running pod.
    Map<Class<?>, java.util.Set<String>> unread = Map.of(io.fabric8.kubernetes.api.model.PodStatus.class,
        java.util.Set.of("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"));
    podInformer = LeanInformer.start(client, "/api/v1/pods", Pod.class,
        new LeanInformer.Handler<>() {
          @Override
          public void onAdd(Pod p) {
            onPodAdd(p);
          }

          @Override
          public void onUpdate(Pod o, Pod p) {
            onPodUpdate(o, p);
          }

          @Override
          public void onDelete(Pod p) {
            onPodDelete(p);
          }
        }, unread);
    LOG.info("Informers synced nodes={} pods={}", nodeInformer.getStore().list().size(),
        podInformer.list().size());
  }

  private static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> add,
      java.util.function.BiConsumer<T, T> update, java.util.function.Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        add.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        update.accept(oldObj, newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        delete.accept(obj);
      }
    };
  }

  private void onPriorityClass(PriorityClass pc, boolean deleted) {
    String name = pc.getMetadata().getName();
    if (deleted) {
      priorityClasses.remove(name);
    } else if (pc.getValue() != null) {
      priorityClasses.put(name, pc.getValue());
    }
    globalDefaultPriority = null;
    if (pcInformer != null) {
      for (PriorityClass c : pcInformer.getStore().list()) {
        if (Boolean.TRUE.equals(c.getGlobalDefault())) {
          globalDefaultPriority = c.getValue();
        }
      }
    }
  }

  private void onNamespace(Namespace n) {
    Map<String, String> labels = n.getMetadata().getLabels();
    Map<String, String> old = namespaceLabels.put(n.getMetadata().getName(),
        labels == null ? Map.of() : Map.copyOf(labels));
    if (old != null && !old.equals(namespaceLabels.get(n.getMetadata().getName()))) {
      queue.moveAllUnschedulable(); // a namespace selector may now select it
    }
  }

  /** The PodDisruptionBudgets preemption tries not to violate. */
  private List<PodDisruptionBudget> pdbs() {
    return pdbInformer == null ? List.of() : pdbInformer.getStore().list();
  }

  private void onNodeAdd(Node n) {
    cache.upsertNode(n);
    queue.moveAllUnschedulable();
  }

  private void onNodeUpdate(Node o, Node n) {
    cache.upsertNode(n);
    // Only changes that can make a pod fit move pods: not heartbeats.
    if (!Objects.equals(o.getSpec(), n.getSpec())
        || !Objects.equals(o.getMetadata().getLabels(), n.getMetadata().getLabels())
        || !Objects.equals(o.getStatus() == null ? null : o.getStatus().getAllocatable(),
            n.getStatus() == null ? null : n.getStatus().getAllocatable())) {
      queue.moveAllUnschedulable();
    }
  }

  private boolean responsible(Pod p) {
    String name = p.getSpec() == null ? null : p.getSpec().getSchedulerName();
    return (name == null || name.isEmpty() ? "default-scheduler" : name)
        .equals(config.schedulerName());
  }

  private static boolean assigned(Pod p) {
    return p.getSpec() != null && p.getSpec().getNodeName() != null
        && !p.getSpec().getNodeName().isEmpty();
  }

  private static boolean terminal(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /**
   * The pod's priority. Kubernetes' Priority admission copies the PriorityClass value into
   * spec.priority; an API server that only defaults spec.priority to 0 would lose it, so a known
   * priorityClassName wins, then spec.priority, then the global default class, then 0.
   */
  int priorityOf(Pod p) {
    if (p.getSpec() == null) {
      return 0;
    }
    String pcName = p.getSpec().getPriorityClassName();
    if (pcName != null && !pcName.isEmpty()) {
      Integer v = priorityClasses.get(pcName);
      if (v != null) {
        return v;
      }
    }
    if (p.getSpec().getPriority() != null && p.getSpec().getPriority() != 0) {
      return p.getSpec().getPriority();
    }
    Integer d = globalDefaultPriority;
    return d == null ? 0 : d;
  }

  private void onPodAdd(Pod p) {
    if (assigned(p)) {
      if (!terminal(p)) {
        cache.addOrUpdateBoundPod(PodInfo.of(p, priorityOf(p)), p.getSpec().getNodeName());
      }
    } else if (responsible(p) && p.getMetadata().getDeletionTimestamp() == null && !gated(p)) {
      queue.add(PodInfo.of(p, priorityOf(p)));
    }
  }

  /** Pods with scheduling gates wait until every gate is removed. */
  private static boolean gated(Pod p) {
    return p.getSpec().getSchedulingGates() != null && !p.getSpec().getSchedulingGates().isEmpty();
  }

  private void onPodUpdate(Pod o, Pod p) {
    if (assigned(p)) {
      nominations.remove(p.getMetadata().getUid());
      queue.delete(p.getMetadata().getUid());
      if (terminal(p)) {
        cache.removePod(p.getMetadata().getUid());
        queue.moveAllUnschedulable();
      } else {
        cache.addOrUpdateBoundPod(PodInfo.of(p, priorityOf(p)), p.getSpec().getNodeName());
        if (!Objects.equals(o.getMetadata().getLabels(), p.getMetadata().getLabels())) {
          queue.moveAllUnschedulable(); // pod affinity or spreading may now be satisfied
        }
      }
    } else if (responsible(p)) {
      if (p.getMetadata().getDeletionTimestamp() != null || gated(p)) {
        queue.delete(p.getMetadata().getUid());
      } else if (!Objects.equals(o.getSpec(), p.getSpec())
          || !Objects.equals(o.getMetadata().getLabels(), p.getMetadata().getLabels())) {
        // Our own status writes (conditions) do not make a pod schedulable.
        queue.update(PodInfo.of(p, priorityOf(p)));
      }
    }
  }

  private void onPodDelete(Pod p) {
    if (assigned(p)) {
      cache.removePod(p.getMetadata().getUid());
      queue.moveAllUnschedulable();
    } else {
      nominations.remove(p.getMetadata().getUid());
      queue.delete(p.getMetadata().getUid());
    }
  }

  private void campaign() {
    ensureNamespace(config.leaseNamespace());
    election = new LeaderElection(client, config.leaseNamespace(), config.leaseName(), identity,
        new LeaderElection.Timings(config.leaseDuration(), config.renewDeadline(), config.retryPeriod()));
    election.start(() -> {
      leading = true;
      startLoop();
    }, () -> {
      leading = false;
      stopLoop();
    });
  }

  private void ensureNamespace(String ns) {
    try {
      if (client.namespaces().withName(ns).get() == null) {
        Namespace n = new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build();
        client.namespaces().resource(n).create();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        LOG.warn("Cannot ensure namespace namespace={} err=\"{}\"", ns, e.getMessage());
      }
    }
  }

  private synchronized void startLoop() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    loop = new Thread(this::run, "scheduler-" + config.schedulerName());
    loop.setDaemon(true);
    loop.start();
  }

  private synchronized void stopLoop() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    Thread t = loop;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    LOG.info("Scheduling started scheduler={} identity={}", config.schedulerName(), identity);
    while (running.get()) {
      try {
        QueuedPod q = queue.pop(Duration.ofMillis(500));
        if (q != null && running.get()) {
          scheduleOne(q);
        }
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        LOG.error("Scheduling cycle failed", e);
      }
    }
    LOG.info("Scheduling stopped scheduler={}", config.schedulerName());
  }

  private void scheduleOne(QueuedPod q) {
    PodInfo pod = q.info();
    CycleState state = new CycleState();
    Framework.Result result;
    Preemption.Outcome preemption = null;
    result = cache.withSnapshot(s -> framework.schedule(state, pod, s));
    if (!result.scheduled()) {
      unschedulable.increment();
      if (result.diagnosis().preemptionMightHelp()) {
        List<PodDisruptionBudget> budgets = pdbs();
        preemption = cache.withSnapshot(s -> Preemption.find(framework, state, pod, s,
            result.diagnosis().nodeStatuses(), budgets));
      } else if (result.diagnosis().totalNodes() > 0) {
        preemption = new Preemption.Outcome(null, "preemption: "
            + io.jk.scheduler.framework.Diagnosis.histogram(result.diagnosis().totalNodes(),
                Map.of("Preemption is not helpful for scheduling",
                    result.diagnosis().totalNodes())));
      }
      String msg = result.diagnosis().message()
          + (preemption == null || preemption.message().isEmpty() ? "" : " " + preemption.message());
      queue.requeueUnschedulable(q);
      Preemption.Candidate c = preemption == null ? null : preemption.candidate();
      if (c != null) {
        nominations.put(pod.uid(), Map.entry(c.nodeName(), pod));
      }
      writer.execute(() -> reportUnschedulable(pod, msg, c));
      return;
    }
    String node = result.nodeName();
    // The cache accounts the pod to the node by name; no plugin reads an accounted pod's
    // spec.nodeName, so the pod is assumed as it is, without a deep copy per cycle.
    PodInfo assumed = pod;
    cache.assume(assumed, node);
    nominations.remove(pod.uid());
    var reserved = framework.reserve(state, assumed, node);
    if (!reserved.isSuccess()) {
      cache.forget(pod.uid());
      errors.increment();
      queue.requeueBackoff(q);
      return;
    }
    framework.bind(pod, node).onComplete(ar -> {
      if (ar.succeeded()) {
        scheduled.increment();
        e2e.record(System.nanoTime() - q.firstSeenNanos(), TimeUnit.NANOSECONDS);
        queue.done(pod.uid());
        if (scheduledEvents) {
          events.scheduled(pod, node);
        }
      } else {
        errors.increment();
        LOG.warn("Binding failed pod=\"{}\" node=\"{}\" err=\"{}\"", pod.key(), node,
            ar.cause().getMessage());
        framework.unreserve(state, assumed, node);
        cache.forget(pod.uid());
        queue.requeueBackoff(q);
      }
    });
  }

  private void reportUnschedulable(PodInfo pod, String message, Preemption.Candidate c) {
    String ns = pod.namespace();
    String name = pod.name();
    try {
      Map<String, Object> cond = Map.of("type", "PodScheduled", "status", "False",
          "reason", "Unschedulable", "message", message,
          "lastTransitionTime", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      PodCondition current = pod.pod().getStatus() == null || pod.pod().getStatus().getConditions() == null
          ? null : pod.pod().getStatus().getConditions().stream()
              .filter(x -> "PodScheduled".equals(x.getType())).findFirst().orElse(null);
      boolean same = current != null && "False".equals(current.getStatus())
          && message.equals(current.getMessage());
      if (!same || c != null) {
        Map<String, Object> status = new java.util.HashMap<>();
        status.put("conditions", List.of(cond));
        if (c != null) {
          status.put("nominatedNodeName", c.nodeName());
        }
        String patch = Json.mapper().writeValueAsString(Map.of("status", status));
        Patches.patch(client, "/api/v1/namespaces/" + ns + "/pods/" + name + "/status", PatchType.STRATEGIC_MERGE, patch);
      }
      Event ev = new EventBuilder().withNewMetadata()
          .withName(name + "." + Long.toHexString(System.nanoTime())).withNamespace(ns).endMetadata()
          .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(ns)
          .withName(name).withUid(pod.uid()).endInvolvedObject()
          .withReason("FailedScheduling").withMessage(message).withType("Warning")
          .withNewSource().withComponent(config.schedulerName()).endSource()
          .withReportingComponent(config.schedulerName()).withReportingInstance(identity)
          .withFirstTimestamp(Instant.now().toString()).withLastTimestamp(Instant.now().toString())
          .withCount(1).build();
      client.v1().events().inNamespace(ns).resource(ev).create();
    } catch (Exception e) {
      LOG.warn("Cannot report unschedulable pod=\"{}\" err=\"{}\"", pod.key(), e.getMessage());
    }
    if (c != null) {
      for (PodInfo v : c.victims()) {
        try {
          LOG.info("Preempting pod=\"{}\" node=\"{}\" preemptor=\"{}\"", v.key(), c.nodeName(), pod.key());
          client.pods().inNamespace(v.namespace()).withName(v.name()).delete();
        } catch (KubernetesClientException e) {
          LOG.warn("Cannot delete victim pod=\"{}\" err=\"{}\"", v.key(), e.getMessage());
        }
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

}
