package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIPBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.jk.kubelet.container.ContainerState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Computes a pod's status as Kubernetes reports it from the views of its containers: phase (the
 * kubelet's getPhase rules), the four conditions, container statuses, IPs, qosClass. Pure.
 */
final class PodStatusBuilder {
  private PodStatusBuilder() {}

  static PodStatus build(Pod pod, List<ContainerView> init, List<ContainerView> app, List<String> podIps,
      String hostIp, Instant now) {
    PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    String restartPolicy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
    List<ContainerStatus> initStatuses = new ArrayList<>();
    for (ContainerView v : init) {
      initStatuses.add(containerStatus(v, old.getInitContainerStatuses()));
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    for (ContainerView v : app) {
      statuses.add(containerStatus(v, old.getContainerStatuses()));
    }
    java.util.Set<String> sidecars = sidecarNames(pod);
    boolean appsStarted = app.stream().anyMatch(v -> v.latest() != null);
    boolean initDone = init.stream().allMatch(v -> sidecars.contains(v.name()) ? appsStarted || runningStarted(v)
        : v.latest() != null && !v.latest().running() && v.latest().status() == ContainerState.Status.EXITED
            && v.latest().exitCode() == 0);
    boolean initFailed = init.stream().anyMatch(v -> !sidecars.contains(v.name()) && v.latest() != null
        && !v.latest().running() && v.latest().exitCode() != 0) && restartPolicy.equals("Never");
    String phase = initFailed ? "Failed" : !initDone ? "Pending" : phase(app, restartPolicy);
    // sidecars' readiness counts toward the pod's, as in Kubernetes 1.29+
    List<ContainerView> readiness = new ArrayList<>(init.stream().filter(v -> sidecars.contains(v.name())).toList());
    readiness.addAll(app);
    boolean containersReady = initDone && readiness.stream().allMatch(v -> v.latest() != null && v.latest().running()
        && v.ready() && v.waitingReason() == null);

    String ts = ts(now);
    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(old, "PodReadyToStartContainers", podIps.isEmpty() && !anyStarted(app, init) ? "False" : "True", null, ts));
    conditions.add(condition(old, "Initialized", initDone ? "True" : "False", initDone ? null : "ContainersNotInitialized", ts));
    String notReady = terminal(phase) ? "PodCompleted" : "ContainersNotReady";
    conditions.add(condition(old, "Ready", containersReady ? "True" : "False", containersReady ? null : notReady, ts));
    conditions.add(condition(old, "ContainersReady", containersReady ? "True" : "False", containersReady ? null : notReady, ts));
    conditions.add(condition(old, "PodScheduled", "True", null, ts));
    if (!containersReady && !terminal(phase)) {
      List<String> names = readiness.stream().filter(v -> !(v.latest() != null && v.latest().running() && v.ready()
          && v.waitingReason() == null)).map(ContainerView::name).toList();
      String msg = "containers with unready status: [" + String.join(" ", names) + "]";
      conditions.set(2, new PodConditionBuilder(conditions.get(2)).withMessage(msg).build());
      conditions.set(3, new PodConditionBuilder(conditions.get(3)).withMessage(msg).build());
    }
    if (!initDone) {
      List<String> names = init.stream().filter(v -> sidecars.contains(v.name()) ? !runningStarted(v)
          : !(v.latest() != null && v.latest().exitCode() == 0 && v.latest().status() == ContainerState.Status.EXITED))
          .map(ContainerView::name).toList();
      conditions.set(1, new PodConditionBuilder(conditions.get(1))
          .withMessage("containers with incomplete status: [" + String.join(" ", names) + "]").build());
    }

    PodStatus s = new PodStatus();
    s.setPhase(phase);
    s.setConditions(conditions);
    s.setHostIP(hostIp);
    s.setHostIPs(List.of(new HostIPBuilder().withIp(hostIp).build()));
    if (!podIps.isEmpty()) {
      s.setPodIP(podIps.get(0));
      s.setPodIPs(podIps.stream().map(ip -> new PodIPBuilder().withIp(ip).build()).toList());
    }
    s.setStartTime(old.getStartTime() != null ? old.getStartTime() : ts);
    s.setQosClass(qosClass(pod));
    s.setContainerStatuses(statuses);
    if (!initStatuses.isEmpty()) {
      s.setInitContainerStatuses(initStatuses);
    }
    return s;
  }

  /** Names of the pod's sidecars (init containers with {@code restartPolicy: Always}). */
  static java.util.Set<String> sidecarNames(Pod pod) {
    java.util.Set<String> out = new java.util.HashSet<>();
    if (pod.getSpec().getInitContainers() != null) {
      pod.getSpec().getInitContainers().stream().filter(PodSyncer::isSidecar).forEach(c -> out.add(c.getName()));
    }
    return out;
  }

  private static boolean runningStarted(ContainerView v) {
    return v.latest() != null && v.latest().running() && v.started() && v.waitingReason() == null;
  }

  private static boolean anyStarted(List<ContainerView> app, List<ContainerView> init) {
    return app.stream().anyMatch(v -> v.latest() != null) || init.stream().anyMatch(v -> v.latest() != null);
  }

  static boolean terminal(String phase) {
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** The kubelet's getPhase over the app containers. */
  static String phase(List<ContainerView> app, String restartPolicy) {
    int running = 0;
    int waiting = 0;
    int stopped = 0;
    int succeeded = 0;
    for (ContainerView v : app) {
      ContainerState st = v.latest();
      if (st != null && st.running() && v.waitingReason() == null) {
        running++;
      } else if (st != null && !st.running()) {
        stopped++;
        if (st.exitCode() == 0) {
          succeeded++;
        }
      } else if (st == null) {
        waiting++;
      } else {
        running++;
      }
    }
    if (waiting > 0) {
      return "Pending";
    }
    if (running > 0) {
      return "Running";
    }
    if (stopped > 0) {
      if (restartPolicy.equals("Always")) {
        return "Running";
      }
      if (stopped == succeeded) {
        return "Succeeded";
      }
      return restartPolicy.equals("OnFailure") ? "Running" : "Failed";
    }
    return "Pending";
  }

  static ContainerStatus containerStatus(ContainerView v, List<ContainerStatus> old) {
    ContainerStatusBuilder b = new ContainerStatusBuilder().withName(v.name()).withImage(v.image())
        .withImageID(v.imageId() == null ? "" : v.imageId()).withRestartCount(Math.max(0, v.attempt()));
    ContainerState st = v.latest();
    if (v.containerId() != null && st != null) {
      b.withContainerID("jk://" + v.containerId());
    }
    if (v.waitingReason() != null || st == null) {
      String reason = v.waitingReason() == null ? "ContainerCreating" : v.waitingReason();
      b.withState(new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(v.waitingMessage()).endWaiting().build());
      if (st != null && !st.running()) {
        b.withLastState(new ContainerStateBuilder().withTerminated(terminated(st, v.containerId())).build());
      }
      b.withReady(false).withStarted(false);
    } else if (st.running()) {
      b.withState(new ContainerStateBuilder().withNewRunning().withStartedAt(ts(st.startedAt())).endRunning().build());
      b.withReady(v.ready()).withStarted(v.started());
      if (v.previous() != null && !v.previous().running()) {
        b.withLastState(new ContainerStateBuilder().withTerminated(terminated(v.previous(), null)).build());
      }
    } else {
      b.withState(new ContainerStateBuilder().withTerminated(terminated(st, v.containerId())).build());
      b.withReady(false).withStarted(false);
      if (v.previous() != null && !v.previous().running()) {
        b.withLastState(new ContainerStateBuilder().withTerminated(terminated(v.previous(), null)).build());
      }
    }
    if (b.buildLastState() == null) {
      b.withLastState(new ContainerStateBuilder().build());
    }
    return b.build();
  }

  private static ContainerStateTerminated terminated(ContainerState st, String containerId) {
    return new ContainerStateTerminatedBuilder().withExitCode(st.exitCode()).withReason(st.reason()).withMessage(st.message())
        .withStartedAt(ts(st.startedAt())).withFinishedAt(ts(st.finishedAt()))
        .withContainerID(containerId == null ? null : "jk://" + containerId).build();
  }

  private static PodCondition condition(PodStatus old, String type, String status, String reason, String now) {
    String since = now;
    if (old.getConditions() != null) {
      for (PodCondition c : old.getConditions()) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withLastTransitionTime(since)
        .withLastProbeTime(null).build();
  }

  /** Guaranteed when every container limits cpu and memory with requests equal, BestEffort with none at all. */
  static String qosClass(Pod pod) {
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    if (pod.getSpec().getInitContainers() != null) {
      all.addAll(pod.getSpec().getInitContainers());
    }
    boolean any = false;
    boolean guaranteed = true;
    for (Container c : all) {
      Map<String, Quantity> req = c.getResources() == null || c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
      Map<String, Quantity> lim = c.getResources() == null || c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
      if (!req.isEmpty() || !lim.isEmpty()) {
        any = true;
      }
      for (String r : List.of("cpu", "memory")) {
        Quantity l = lim.get(r);
        Quantity q = req.getOrDefault(r, l);
        if (l == null || io.jk.common.resources.Quantities.milli(l) != io.jk.common.resources.Quantities.milli(q)) {
          guaranteed = false;
        }
      }
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
  }

  static String ts(Instant i) {
    return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
