package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.registry.TableColumn;
import io.jk.apiserver.resources.support.HumanDuration;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * core/v1 Pod: pod spec defaults and validation, {@code status.phase=Pending} and the QoS class
 * on create, the DefaultTolerationSeconds tolerations (what that admission plugin adds; priority
 * is {@code admission.PriorityAdmission}'s), the restricted spec update rules and the {@code kubectl get pods} Table.
 */
public class PodStrategy extends BaseStrategy {

  /** Seconds a pod tolerates a not-ready or unreachable node by default. */
  public static final long DEFAULT_TOLERATION_SECONDS = 300;

  private static final List<TableColumn> COLUMNS = List.of(
      Tables.NAME,
      Tables.col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      Tables.col("Status", "string", "The aggregate status of the containers in this pod."),
      Tables.col("Restarts", "string", "The number of times the containers in this pod have been restarted and when "
          + "the last container in this pod has restarted."),
      Tables.AGE,
      Tables.wide("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not "
          + "yet allocated."),
      Tables.wide("Node", "string", "NodeName is a request to schedule this pod onto a specific node."),
      Tables.wide("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the "
          + "node, but it cannot be scheduled right away as preemption victims receive their graceful termination "
          + "periods."),
      Tables.wide("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness."));

  /** A pod strategy. */
  public PodStrategy() {
    super(Names.Rule.DNS1123_SUBDOMAIN, true, false);
  }

  @Override
  protected void onCreate(ObjectNode obj) {
    ObjectNode status = obj.putObject("status");
    status.put("phase", "Pending");
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    // spec.priority and preemptionPolicy come from admission.PriorityAdmission (it reads the classes)
    // What the ServiceAccount admission plugin does for the name (the token volume is not added here).
    if (Nodes.str(spec, "serviceAccountName").isEmpty() && Nodes.str(spec, "serviceAccount").isEmpty()) {
      spec.put("serviceAccountName", "default");
    }
    addDefaultTolerations(spec);
  }

  private static void addDefaultTolerations(ObjectNode spec) {
    JsonNode existing = spec.get("tolerations");
    if (existing != null && !existing.isNull() && !existing.isArray()) {
      return;
    }
    ArrayNode tols = existing instanceof ArrayNode a ? a : spec.putArray("tolerations");
    for (String key : List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
      boolean tolerated = false;
      for (JsonNode t : tols) {
        String effect = Nodes.str(t, "effect");
        String tkey = Nodes.str(t, "key");
        boolean effectMatches = effect.isEmpty() || effect.equals("NoExecute");
        boolean keyMatches = tkey.equals(key) || (tkey.isEmpty() && Nodes.str(t, "operator").equals("Exists"));
        tolerated |= effectMatches && keyMatches;
      }
      if (!tolerated) {
        tols.addObject().put("key", key).put("operator", "Exists").put("effect", "NoExecute")
            .put("tolerationSeconds", (int) DEFAULT_TOLERATION_SECONDS);
      }
    }
  }

  @Override
  protected void defaults(ObjectNode obj) {
    ObjectNode spec = Nodes.ensureObject(obj, "spec");
    PodSpecs.defaultSpec(spec, true);
    ObjectNode status = Nodes.object(obj, "status");
    if (status != null && !Nodes.has(status, "qosClass")) {
      status.put("qosClass", PodSpecs.qosClass(spec));
    }
  }

  @Override
  protected void validateObject(ObjectNode obj, List<FieldError> errs) {
    PodSpecs.validateSpec(Nodes.object(obj, "spec"), "spec", errs);
  }

  @Override
  protected void validateObjectUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errs) {
    String msg = PodSpecs.forbiddenPodSpecChange(Nodes.object(obj, "spec"), Nodes.object(old, "spec"));
    if (msg != null) {
      errs.add(FieldError.forbidden("spec", msg));
    }
  }

  @Override
  protected void addSelectableFields(ObjectNode obj, Map<String, String> fields) {
    ObjectNode spec = Nodes.object(obj, "spec");
    ObjectNode status = Nodes.object(obj, "status");
    fields.put("spec.nodeName", Nodes.str(spec, "nodeName"));
    fields.put("spec.restartPolicy", Nodes.str(spec, "restartPolicy"));
    fields.put("spec.schedulerName", Nodes.str(spec, "schedulerName"));
    fields.put("spec.serviceAccountName", Nodes.str(spec, "serviceAccountName"));
    fields.put("spec.hostNetwork", Boolean.toString(Nodes.isTrue(spec, "hostNetwork")));
    fields.put("status.phase", Nodes.str(status, "phase"));
    fields.put("status.podIP", Nodes.str(status, "podIP"));
    fields.put("status.nominatedNodeName", Nodes.str(status, "nominatedNodeName"));
  }

  @Override
  public List<TableColumn> tableColumns() {
    return COLUMNS;
  }

  @Override
  public List<Object> tableCells(ObjectNode pod, Instant now) {
    PodRow r = PodRow.of(pod, now);
    ObjectNode spec = Nodes.object(pod, "spec");
    ObjectNode status = Nodes.object(pod, "status");
    String podIp = "";
    List<ObjectNode> ips = Nodes.objects(status, "podIPs");
    if (!ips.isEmpty()) {
      podIp = Nodes.str(ips.get(0), "ip");
    }
    if (podIp.isEmpty()) {
      podIp = Nodes.str(status, "podIP");
    }
    String gates = "<none>";
    List<ObjectNode> readinessGates = Nodes.objects(spec, "readinessGates");
    if (!readinessGates.isEmpty()) {
      Map<String, String> conds = new HashMap<>();
      for (ObjectNode c : Nodes.objects(status, "conditions")) {
        conds.putIfAbsent(Nodes.str(c, "type"), Nodes.str(c, "status"));
      }
      int trueCount = 0;
      for (ObjectNode g : readinessGates) {
        if ("True".equals(conds.get(Nodes.str(g, "conditionType")))) {
          trueCount++;
        }
      }
      gates = trueCount + "/" + readinessGates.size();
    }
    return List.of(Nodes.name(pod), r.ready(), r.status(), r.restarts(), Tables.age(pod, now),
        Tables.orNone(podIp), Tables.orNone(Nodes.str(spec, "nodeName")),
        Tables.orNone(Nodes.str(status, "nominatedNodeName")), gates);
  }

  /**
   * The READY, STATUS and RESTARTS cells of a pod as kubectl computes them ({@code printPod}).
   *
   * @param ready e.g. {@code 1/2}
   * @param status e.g. {@code Running}, {@code Init:0/1}, {@code CrashLoopBackOff}, {@code Terminating}
   * @param restarts e.g. {@code 0} or {@code 5 (3m ago)}
   */
  public record PodRow(String ready, String status, String restarts) {

    /** Computes the cells of {@code pod} at {@code now}. */
    public static PodRow of(ObjectNode pod, Instant now) {
      ObjectNode spec = Nodes.object(pod, "spec");
      ObjectNode status = Nodes.object(pod, "status");
      int restarts = 0;
      int sidecarRestarts = 0;
      int total = Nodes.size(spec, "containers");
      int ready = 0;
      Instant lastRestart = null;
      Instant lastSidecarRestart = null;
      String phase = Nodes.str(status, "phase");
      String reason = phase;
      if (!Nodes.str(status, "reason").isEmpty()) {
        reason = Nodes.str(status, "reason");
      }
      for (ObjectNode c : Nodes.objects(status, "conditions")) {
        if (Nodes.str(c, "type").equals("PodScheduled") && Nodes.str(c, "reason").equals("SchedulingGated")) {
          reason = "SchedulingGated";
        }
      }
      Map<String, Boolean> sidecars = new HashMap<>();
      List<ObjectNode> initSpecs = Nodes.objects(spec, "initContainers");
      for (ObjectNode c : initSpecs) {
        boolean sidecar = Nodes.str(c, "restartPolicy").equals("Always");
        sidecars.put(Nodes.str(c, "name"), sidecar);
        if (sidecar) {
          total++;
        }
      }
      boolean initializing = false;
      List<ObjectNode> initStatuses = Nodes.objects(status, "initContainerStatuses");
      for (int i = 0; i < initStatuses.size(); i++) {
        ObjectNode cs = initStatuses.get(i);
        restarts += (int) Nodes.integer(cs, "restartCount", 0);
        Instant finished = lastTerminatedAt(cs);
        lastRestart = later(lastRestart, finished);
        boolean sidecar = sidecars.getOrDefault(Nodes.str(cs, "name"), false);
        if (sidecar) {
          sidecarRestarts += (int) Nodes.integer(cs, "restartCount", 0);
          lastSidecarRestart = later(lastSidecarRestart, finished);
        }
        ObjectNode state = Nodes.object(cs, "state");
        ObjectNode terminated = Nodes.object(state, "terminated");
        ObjectNode waiting = Nodes.object(state, "waiting");
        if (terminated != null && Nodes.integer(terminated, "exitCode", 0) == 0) {
          continue;
        }
        if (sidecar && Nodes.isTrue(cs, "started")) {
          if (Nodes.isTrue(cs, "ready")) {
            ready++;
          }
          continue;
        }
        if (terminated != null) {
          String tr = Nodes.str(terminated, "reason");
          if (tr.isEmpty()) {
            long signal = Nodes.integer(terminated, "signal", 0);
            reason = signal != 0 ? "Init:Signal:" + signal : "Init:ExitCode:" + Nodes.integer(terminated, "exitCode", 0);
          } else {
            reason = "Init:" + tr;
          }
        } else if (waiting != null && !Nodes.str(waiting, "reason").isEmpty()
            && !Nodes.str(waiting, "reason").equals("PodInitializing")) {
          reason = "Init:" + Nodes.str(waiting, "reason");
        } else {
          reason = "Init:" + i + "/" + initSpecs.size();
        }
        initializing = true;
        break;
      }
      if (!initializing || conditionTrue(status, "Initialized")) {
        restarts = sidecarRestarts;
        lastRestart = lastSidecarRestart;
        boolean hasRunning = false;
        List<ObjectNode> statuses = Nodes.objects(status, "containerStatuses");
        for (int i = statuses.size() - 1; i >= 0; i--) {
          ObjectNode cs = statuses.get(i);
          restarts += (int) Nodes.integer(cs, "restartCount", 0);
          lastRestart = later(lastRestart, lastTerminatedAt(cs));
          ObjectNode state = Nodes.object(cs, "state");
          ObjectNode waiting = Nodes.object(state, "waiting");
          ObjectNode terminated = Nodes.object(state, "terminated");
          if (waiting != null && !Nodes.str(waiting, "reason").isEmpty()) {
            reason = Nodes.str(waiting, "reason");
          } else if (terminated != null && !Nodes.str(terminated, "reason").isEmpty()) {
            reason = Nodes.str(terminated, "reason");
          } else if (terminated != null) {
            long signal = Nodes.integer(terminated, "signal", 0);
            reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + Nodes.integer(terminated, "exitCode", 0);
          } else if (Nodes.isTrue(cs, "ready") && Nodes.has(state, "running")) {
            hasRunning = true;
            ready++;
          }
        }
        if (reason.equals("Completed") && hasRunning) {
          reason = conditionTrue(status, "Ready") ? "Running" : "NotReady";
        }
      }
      boolean deleting = Nodes.has(Nodes.object(pod, "metadata"), "deletionTimestamp");
      if (deleting && Nodes.str(status, "reason").equals("NodeLost")) {
        reason = "Unknown";
      } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
        reason = "Terminating";
      }
      String restartsText = Integer.toString(restarts);
      if (restarts != 0 && lastRestart != null) {
        restartsText = restarts + " (" + HumanDuration.format(Duration.between(lastRestart, now)) + " ago)";
      }
      return new PodRow(ready + "/" + total, reason, restartsText);
    }

    private static Instant lastTerminatedAt(ObjectNode cs) {
      ObjectNode t = Nodes.object(cs, "lastState", "terminated");
      return t == null ? null : HumanDuration.parseTime(Nodes.text(t, "finishedAt"));
    }

    private static Instant later(Instant a, Instant b) {
      if (a == null) {
        return b;
      }
      return b != null && b.isAfter(a) ? b : a;
    }

    private static boolean conditionTrue(ObjectNode status, String type) {
      for (ObjectNode c : Nodes.objects(status, "conditions")) {
        if (Nodes.str(c, "type").equals(type)) {
          return Nodes.str(c, "status").equals("True");
        }
      }
      return false;
    }
  }
}
