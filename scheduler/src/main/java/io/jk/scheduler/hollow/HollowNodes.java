package io.jk.scheduler.hollow;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.common.json.Json;
import io.jk.scheduler.informer.LeanInformer;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated nodes for tests and benchmarks, like kwok: registers Nodes that are Ready, renews
 * their Leases in {@code kube-node-lease} (a slice of the nodes each tick, so renewals are
 * spread evenly over the interval), and through one shared pod informer moves pods bound to
 * them to Running and finishes their graceful deletion. No containers run; thousands of nodes
 * cost a few threads and one watch.
 *
 * <pre>{@code
 * try (HollowNodes nodes = HollowNodes.start(client, 100, HollowNodeSpec.defaults())) {
 *   // schedule pods onto hollow-node-0 .. hollow-node-99
 * }
 * }</pre>
 */
public final class HollowNodes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HollowNodes.class);
  private static final String LEASE_NS = "kube-node-lease";
  private static final int TICKS_PER_INTERVAL = 10;
  /** Kubernetes' MicroTime: always six fraction digits (clients reject fewer). */
  static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private final KubernetesClient client;
  private final RawApi raw;
  private final RawApi leaseApi;
  private final HollowNodeSpec spec;
  private final List<String> names;
  private final Map<String, Integer> index = new HashMap<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService ticker;
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final Set<String> finishing = ConcurrentHashMap.newKeySet();
  private final AtomicInteger podSeq = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private LeanInformer<PodSummary> pods;
  private int nextLeaseSlice;
  private volatile boolean closed;
  private volatile java.util.function.Consumer<PodSummary> listener = p -> { };

  private HollowNodes(KubernetesClient client, int count, HollowNodeSpec spec) {
    this.client = client;
    // Pod status and deletion writes, and lease renewals, each with their own bounded
    // concurrency: a burst of pods never delays renewals behind it, nor the other way round.
    this.raw = new RawApi(client, podWriteConcurrency(count));
    this.leaseApi = new RawApi(client, leaseWriteConcurrency(count));
    this.spec = spec;
    List<String> n = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      n.add(spec.namePrefix() + "-" + i);
      index.put(spec.namePrefix() + "-" + i, i);
    }
    this.names = List.copyOf(n);
    this.workers = Executors.newFixedThreadPool(8, r -> daemon(r, "hollow-worker"));
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hollow-lease"));
  }

  /**
   * How many pod status and deletion writes the nodes keep in flight together: one per two nodes,
   * at least 64 and at most 512. Real kubelets each write through their own connection; a fleet
   * capped at 64 writes gets at most 64 / latency of them done (about 250/s when a loaded API
   * server answers in 250 ms), so 1,000 nodes' pods reached Running seconds after their bindings.
   */
  static int podWriteConcurrency(int nodes) {
    return Math.max(64, Math.min(512, nodes / 2));
  }

  /**
   * How many lease renewals the nodes keep in flight together: one per ten nodes, at least 16 and
   * at most 256. A node renews every interval (10 s by default), so 1,000 nodes need 100
   * renewals/s; with 16 in flight and a loaded API server answering in 300 ms, renewals queued up
   * (almost every lease waiting by the end of a 17 s bench.sh window) and would have expired in a
   * longer run.
   */
  static int leaseWriteConcurrency(int nodes) {
    return Math.max(16, Math.min(256, nodes / 10));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Registers {@code count} nodes and their Leases, then starts renewing and (if the spec says
   * so) running their pods. Returns once every node is registered.
   *
   * @throws KubernetesClientException when a node cannot be registered
   */
  public static HollowNodes start(KubernetesClient client, int count, HollowNodeSpec spec) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative");
    }
    HollowNodes h = new HollowNodes(client, count, spec);
    try {
      h.register();
      if (spec.runPods()) {
        h.watchPods();
      }
      long tick = Math.max(1, spec.leaseRenewInterval().toMillis() / TICKS_PER_INTERVAL);
      h.ticker.scheduleAtFixedRate(h::renewSlice, tick, tick, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
    return h;
  }

  /** The names of the nodes, in index order. */
  public List<String> nodeNames() {
    return names;
  }

  /**
   * Also hands every added or updated pod the nodes' shared watch sees to {@code listener}, on
   * the watch's thread (a benchmark observes bindings without a watch of its own, as
   * scheduler_perf reads the scheduler's informer). Only with {@code runPods}.
   */
  public void onPodSeen(java.util.function.Consumer<PodSummary> listener) {
    this.listener = listener;
  }

  /** How many pods these nodes moved to Running so far. */
  public int runningPods() {
    return running.get();
  }

  private void register() {
    List<Future<?>> pending = new ArrayList<>();
    for (String name : names) {
      pending.add(workers.submit(() -> registerOne(name)));
    }
    for (Future<?> f : pending) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while registering hollow nodes", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof RuntimeException re ? re
            : new IllegalStateException(e.getCause());
      }
    }
    LOG.info("Hollow nodes registered count={}", names.size());
  }

  private void registerOne(String name) {
    Node node = node(name);
    Node created;
    try {
      created = client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      created = client.nodes().withName(name).get();
    }
    if (created.getStatus() == null || created.getStatus().getConditions() == null
        || created.getStatus().getConditions().isEmpty()) {
      // The API server dropped status on create, as Kubernetes does: set it as a kubelet would.
      client.nodes().withName(name).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), json(Map.of("status", node.getStatus())));
    }
    Lease lease = new LeaseBuilder().withNewMetadata().withName(name).withNamespace(LEASE_NS)
        .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
        .withRenewTime(now()).endSpec().build();
    try {
      client.leases().inNamespace(LEASE_NS).resource(lease).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private Node node(String name) {
    int i = index.get(name);
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", "amd64");
    labels.put("type", "hollow");
    if (spec.zones() > 0) {
      labels.put("topology.kubernetes.io/zone", "zone-" + (i % spec.zones()));
      labels.put("topology.kubernetes.io/region", "region-1");
    }
    Map<String, Quantity> cap = Map.of("cpu", new Quantity(spec.cpu()),
        "memory", new Quantity(spec.memory()), "pods", new Quantity(spec.pods()),
        "ephemeral-storage", new Quantity("100Gi"));
    String t = now().toString();
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels)
        .addToAnnotations("jk.io/hollow", "true").endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().withCapacity(cap).withAllocatable(cap)
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("hollow node is posting ready status").withLastHeartbeatTime(t)
        .withLastTransitionTime(t).endCondition()
        .addNewAddress().withType("InternalIP").withAddress(nodeIp(i)).endAddress()
        .addNewAddress().withType("Hostname").withAddress(name).endAddress()
        .withNewNodeInfo().withKubeletVersion("v1.32.0-jk-hollow").withOperatingSystem("linux")
        .withArchitecture("amd64").withContainerRuntimeVersion("hollow://0").endNodeInfo()
        .withPhase("Running").endStatus().build();
  }

  /** Loopback addresses only: hollow nodes must never attract real traffic. */
  private static String nodeIp(int i) {
    return "127.1." + ((i >> 8) & 0xff) + "." + (i & 0xff);
  }

  private static String podIp(int node, int seq) {
    return "127." + (100 + ((node >> 8) & 0x7f)) + "." + (node & 0xff) + "." + (2 + seq % 250);
  }

  private static ZonedDateTime now() {
    return ZonedDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }

  private void renewSlice() {
    int n = names.size();
    if (n == 0) {
      return;
    }
    int per = (n + TICKS_PER_INTERVAL - 1) / TICKS_PER_INTERVAL;
    int from = (nextLeaseSlice % TICKS_PER_INTERVAL) * per;
    nextLeaseSlice++;
    String patch = json(Map.of("spec", Map.of("renewTime", MICRO_TIME.format(now()))));
    for (int i = from; i < Math.min(n, from + per) && !closed; i++) {
      String name = names.get(i);
      leaseApi.mergePatch("/apis/coordination.k8s.io/v1/namespaces/" + LEASE_NS + "/leases/"
          + RawApi.seg(name), patch).thenAccept(code -> {
            if (code / 100 != 2) {
              LOG.debug("Lease renewal failed node={} code={}", name, code);
            }
          });
    }
  }

  private void watchPods() {
    pods = LeanInformer.start(client, "/api/v1/pods", PodSummary.class,
        new LeanInformer.Handler<>() {
      @Override
      public void onAdd(PodSummary p) {
        handle(p);
      }

      @Override
      public void onUpdate(PodSummary o, PodSummary p) {
        handle(p);
      }

      @Override
      public void onDelete(PodSummary p) {
        started.remove(p.getMetadata().getUid());
        finishing.remove(p.getMetadata().getUid());
      }
    });
  }

  private void handle(PodSummary p) {
    listener.accept(p);
    String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
    Integer i = node == null ? null : index.get(node);
    if (i == null) {
      return;
    }
    String uid = p.getMetadata().getUid();
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    if (p.getMetadata().getDeletionTimestamp() != null) {
      if (finishing.add(uid)) {
        raw.delete("/api/v1/namespaces/" + RawApi.seg(ns) + "/pods/" + RawApi.seg(name),
            "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0,"
                + "\"preconditions\":{\"uid\":\"" + uid + "\"}}").thenAccept(code -> {
                  if (code / 100 != 2 && code != 404 && code != 409 && !closed) {
                    finishing.remove(uid);
                    LOG.warn("Cannot finish pod deletion pod=\"{}/{}\" code={}", ns, name, code);
                  }
                });
      }
      return;
    }
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    if ((phase == null || phase.equals("Pending")) && started.add(uid)) {
      int seq = podSeq.getAndIncrement();
      markRunning(p, i, seq);
    }
  }

  private void markRunning(PodSummary p, int nodeIndex, int seq) {
    String t = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Map<String, Object>> conditions = new ArrayList<>();
    for (String type : List.of("PodReadyToStartContainers", "Initialized", "Ready",
        "ContainersReady", "PodScheduled")) {
      conditions.add(Map.of("type", type, "status", "True", "lastTransitionTime", t));
    }
    List<Map<String, Object>> containers = new ArrayList<>();
    if (p.getSpec().getContainers() != null) {
      for (var c : p.getSpec().getContainers()) {
        containers.add(Map.of("name", c.getName(), "image", c.getImage() == null ? "" : c.getImage(),
            "imageID", "hollow://" + c.getImage(), "containerID", "hollow://" + p.getMetadata().getUid()
            + "/" + c.getName(), "ready", true, "started", true, "restartCount", 0,
            "state", Map.of("running", Map.of("startedAt", t))));
      }
    }
    String ip = podIp(nodeIndex, seq);
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("conditions", conditions);
    status.put("hostIP", nodeIp(nodeIndex));
    status.put("hostIPs", List.of(Map.of("ip", nodeIp(nodeIndex))));
    status.put("podIP", ip);
    status.put("podIPs", List.of(Map.of("ip", ip)));
    status.put("startTime", t);
    status.put("containerStatuses", containers);
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    raw.mergePatch("/api/v1/namespaces/" + RawApi.seg(ns) + "/pods/" + RawApi.seg(name) + "/status",
        json(Map.of("status", status))).thenAccept(code -> {
          if (code / 100 == 2) {
            running.incrementAndGet();
          } else if (code != 404 && !closed) {
            started.remove(p.getMetadata().getUid());
            LOG.warn("Cannot mark pod running pod=\"{}/{}\" code={}", ns, name, code);
          }
        });
  }

  private static String json(Object o) {
    try {
      return Json.mapper().writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deletes one node's Lease and Node, retrying transient failures (a loaded API server). */
  private void deleteNode(String name) {
    retryDelete(name, () -> client.leases().inNamespace(LEASE_NS).withName(name).delete());
    retryDelete(name, () -> client.nodes().withName(name).delete());
  }

  private static void retryDelete(String name, Runnable delete) {
    for (int attempt = 1; ; attempt++) {
      try {
        delete.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (attempt == 3) {
          LOG.warn("Cannot delete hollow node node={} err=\"{}\"", name, e.getMessage(), e);
          return;
        }
      }
    }
  }

  /** Stops renewing and watching; deletes the Nodes and Leases when the spec says so. */
  @Override
  public void close() {
    closed = true;
    ticker.shutdownNow();
    if (pods != null) {
      pods.close();
    }
    raw.close();
    leaseApi.close();
    if (spec.deleteOnClose()) {
      List<Future<?>> pending = new ArrayList<>();
      for (String name : names) {
        pending.add(workers.submit(() -> deleteNode(name)));
      }
      for (Future<?> f : pending) {
        try {
          f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          break;
        }
      }
    }
    workers.shutdownNow();
  }
}
