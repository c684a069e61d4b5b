package io.jk.kubelet.node;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.jk.common.client.Patches;
import io.jk.common.json.Json;
import io.jk.common.resources.Quantities;
import io.jk.kubelet.cli.KubeletConfig;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the kubelet's Node (capacity from the machine, allocatable minus reservations, addresses,
 * nodeInfo, labels, taints, conditions), renews its Lease in {@code kube-node-lease} every quarter of
 * the lease duration, and writes node status when it changes or every {@code nodeStatusPeriod}.
 */
public final class NodeAgent {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
  static final String LEASE_NAMESPACE = "kube-node-lease";
  private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
      .withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final KubeletConfig cfg;
  private final ScheduledExecutorService executor;
  private volatile Node node;
  private volatile NodeStatus lastStatus;
  private volatile Instant lastStatusWrite = Instant.EPOCH;
  private ScheduledFuture<?> loop;

  public NodeAgent(KubernetesClient client, KubeletConfig cfg, ScheduledExecutorService executor) {
    this.client = client;
    this.cfg = cfg;
    this.executor = executor;
  }

  /** The Node as last written or read, or {@code null} before registration. */
  public Node node() {
    return node;
  }

  /** Registers the Node (blocking) and starts the lease and status loop. */
  public void start() {
    register();
    try {
      renewLease();
    } catch (RuntimeException e) {
      // e.g. kube-node-lease not created yet and no right to create it: retried every tick
      LOG.warn("Lease not renewed node={} err={}", cfg.nodeName(), e.getMessage());
    }
    long every = Math.max(1, cfg.leaseDuration().toMillis() / 4);
    loop = executor.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
  }

  public void stop() {
    if (loop != null) {
      loop.cancel(false);
    }
  }

  private void tick() {
    try {
      renewLease();
      NodeStatus s = status(Instant.now());
      if (!sameConditions(s, lastStatus) || !Objects.equals(s.getCapacity(), lastStatus.getCapacity())
          || Instant.now().isAfter(lastStatusWrite.plus(cfg.nodeStatusPeriod()))) {
        writeStatus(s);
      }
    } catch (RuntimeException e) {
      LOG.warn("Node heartbeat failed node={} err={}", cfg.nodeName(), e.getMessage());
    }
  }

  private void register() {
    NodeStatus status = status(Instant.now());
    Node desired = new NodeBuilder().withNewMetadata().withName(cfg.nodeName()).withLabels(labels()).endMetadata()
        .withNewSpec().withTaints(taints(cfg.taints())).endSpec().withStatus(status).build();
    Node existing = client.nodes().withName(cfg.nodeName()).get();
    if (existing == null) {
      try {
        node = client.nodes().resource(desired).create();
        LOG.info("Node registered node={}", cfg.nodeName());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = client.nodes().withName(cfg.nodeName()).get();
      }
    }
    if (existing != null) {
      Map<String, String> labels = new LinkedHashMap<>(Objects.requireNonNullElse(existing.getMetadata().getLabels(), Map.of()));
      labels.putAll(labels());
      var patch = Json.mapper().createObjectNode();
      patch.putObject("metadata").set("labels", Json.mapper().valueToTree(labels));
      node = Patches.patch(client, "/api/v1/nodes/" + cfg.nodeName(), PatchType.JSON_MERGE, patch.toString(), Node.class);
    }
    writeStatus(status);
  }

  private void writeStatus(NodeStatus s) {
    var patch = Json.mapper().createObjectNode();
    patch.set("status", Json.mapper().valueToTree(s));
    node = Patches.patch(client, "/api/v1/nodes/" + cfg.nodeName() + "/status", PatchType.JSON_MERGE, patch.toString(),
        Node.class);
    lastStatus = s;
    lastStatusWrite = Instant.now();
  }

  /** Renews the node's Lease with one PATCH; creates it when it is not there (first start, or deleted). */
  private void renewLease() {
    String now = MICRO.format(Instant.now());
    var patch = Json.mapper().createObjectNode();
    patch.putObject("spec").put("renewTime", now).put("holderIdentity", cfg.nodeName())
        .put("leaseDurationSeconds", cfg.leaseDuration().toSeconds());
    try {
      Patches.patch(client, "/apis/coordination.k8s.io/v1/namespaces/" + LEASE_NAMESPACE + "/leases/" + cfg.nodeName(),
          PatchType.JSON_MERGE, patch.toString());
      return;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    ensureNamespace();
    Lease l = new LeaseBuilder().withNewMetadata().withName(cfg.nodeName()).withNamespace(LEASE_NAMESPACE).endMetadata()
        .withNewSpec().withHolderIdentity(cfg.nodeName()).withLeaseDurationSeconds((int) cfg.leaseDuration().toSeconds())
        .withRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC)).endSpec().build();
    if (node != null && node.getMetadata().getUid() != null) {
      l.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
          .withApiVersion("v1").withKind("Node").withName(cfg.nodeName()).withUid(node.getMetadata().getUid()).build()));
    }
    try {
      client.leases().inNamespace(LEASE_NAMESPACE).resource(l).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private void ensureNamespace() {
    if (client.namespaces().withName(LEASE_NAMESPACE).get() == null) {
      Namespace ns = new NamespaceBuilder().withNewMetadata().withName(LEASE_NAMESPACE).endMetadata().build();
      try {
        client.namespaces().resource(ns).create();
      } catch (KubernetesClientException e) {
        // 409: created meanwhile; 403: a node may not create namespaces, the control plane makes this one
        if (e.getCode() != 409 && e.getCode() != 403) {
          throw e;
        }
      }
    }
  }

  Map<String, String> labels() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("kubernetes.io/hostname", cfg.nodeName());
    l.put("kubernetes.io/os", "linux");
    l.put("kubernetes.io/arch", MachineInfo.arch());
    l.put("beta.kubernetes.io/os", "linux");
    l.put("beta.kubernetes.io/arch", MachineInfo.arch());
    l.putAll(cfg.nodeLabels());
    return l;
  }

  /** Taints written {@code key[=value]:Effect}. */
  public static List<Taint> taints(List<String> specs) {
    List<Taint> out = new ArrayList<>();
    for (String s : specs) {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("taint \"" + s + "\" must be key[=value]:Effect");
      }
      String effect = s.substring(colon + 1);
      if (!List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
        throw new IllegalArgumentException("taint \"" + s + "\" has unknown effect " + effect);
      }
      String kv = s.substring(0, colon);
      int eq = kv.indexOf('=');
      out.add(new TaintBuilder().withKey(eq < 0 ? kv : kv.substring(0, eq)).withValue(eq < 0 ? null : kv.substring(eq + 1))
          .withEffect(effect).build());
    }
    return out;
  }

  /** The node's status now: capacity, allocatable, conditions with Kubernetes' reasons, addresses, nodeInfo. */
  NodeStatus status(Instant now) {
    long cpuMilli = MachineInfo.cpus() * 1000L;
    long mem = MachineInfo.meminfo("MemTotal");
    long[] disk = MachineInfo.disk(cfg.rootDir());
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity(Integer.toString(MachineInfo.cpus())));
    capacity.put("memory", new Quantity((mem / 1024) + "Ki"));
    capacity.put("ephemeral-storage", new Quantity((disk[0] / 1024) + "Ki"));
    capacity.put("pods", new Quantity("110"));
    long rCpu = reserved("cpu", true);
    long rMem = reserved("memory", false);
    long rDisk = reserved("ephemeral-storage", false);
    Map<String, Quantity> alloc = new LinkedHashMap<>();
    alloc.put("cpu", new Quantity(Math.max(0, cpuMilli - rCpu) + "m"));
    alloc.put("memory", new Quantity(Math.max(0, mem - rMem) / 1024 + "Ki"));
    alloc.put("ephemeral-storage", new Quantity(Math.max(0, disk[0] - rDisk) / 1024 + "Ki"));
    alloc.put("pods", new Quantity("110"));

    long avail = MachineInfo.meminfo("MemAvailable");
    boolean memPressure = avail > 0 && avail < 100L * 1024 * 1024;
    boolean diskPressure = disk[0] > 0 && disk[1] < disk[0] / 10;
    long[] pids = MachineInfo.pids();
    boolean pidPressure = pids[0] > pids[1] * 9 / 10;
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    List<NodeCondition> conds = List.of(
        cond("MemoryPressure", memPressure, memPressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
            memPressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available", ts),
        cond("DiskPressure", diskPressure, diskPressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
            diskPressure ? "kubelet has disk pressure" : "kubelet has no disk pressure", ts),
        cond("PIDPressure", pidPressure, pidPressure ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
            pidPressure ? "kubelet has insufficient PID available" : "kubelet has sufficient PID available", ts),
        cond("Ready", true, "KubeletReady", "kubelet is posting ready status", ts));
    String machineId = MachineInfo.read("/etc/machine-id", "");
    return new NodeStatusBuilder().withCapacity(capacity).withAllocatable(alloc).withConditions(conds)
        .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(cfg.nodeIp()).build(),
            new NodeAddressBuilder().withType("Hostname").withAddress(cfg.nodeName()).build())
        .withNodeInfo(new NodeSystemInfoBuilder().withMachineID(machineId).withSystemUUID(machineId)
            .withBootID(MachineInfo.read("/proc/sys/kernel/random/boot_id", ""))
            .withKernelVersion(MachineInfo.read("/proc/sys/kernel/osrelease", "")).withOsImage(MachineInfo.osImage())
            .withContainerRuntimeVersion("jkrt://0.1.0").withKubeletVersion("v1.32.0-jk").withKubeProxyVersion("v1.32.0-jk")
            .withOperatingSystem("linux").withArchitecture(MachineInfo.arch()).build())
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(cfg.port()).endKubeletEndpoint().endDaemonEndpoints()
        .build();
  }

  private NodeCondition cond(String type, boolean status, String reason, String message, String now) {
    String since = now;
    if (lastStatus != null) {
      for (NodeCondition c : lastStatus.getConditions()) {
        if (c.getType().equals(type) && c.getStatus().equals(status ? "True" : "False")) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new NodeConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
        .withMessage(message).withLastHeartbeatTime(now).withLastTransitionTime(since).build();
  }

  private static boolean sameConditions(NodeStatus a, NodeStatus b) {
    if (b == null) {
      return false;
    }
    for (int i = 0; i < a.getConditions().size(); i++) {
      if (!a.getConditions().get(i).getStatus().equals(b.getConditions().get(i).getStatus())) {
        return false;
      }
    }
    return true;
  }

  private long reserved(String resource, boolean milli) {
    long sum = 0;
    for (Map<String, String> m : List.of(cfg.systemReserved(), cfg.kubeReserved())) {
      String v = m.get(resource);
      if (v != null) {
        sum += milli ? Quantities.milli(v) : Quantities.value(v);
      }
    }
    return sum;
  }
}
