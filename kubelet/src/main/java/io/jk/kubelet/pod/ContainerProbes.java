package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.ContainerState;
import io.jk.kubelet.probe.Prober;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Containers' probes (startup, liveness, readiness: exec, httpGet, tcpSocket, with every timing field)
 * and lifecycle hooks; a startup or liveness probe failing past its threshold stops the container
 * through {@link Stopper} (the sync then restarts it). Verdicts live in the pod's {@link PodRecord}.
 */
final class ContainerProbes {

  /** Stops one container instance within {@code grace}. */
  interface Stopper {
    void stop(Pod pod, Container c, String id, Path dir, Duration grace);
  }

  private final ContainerDirs dirs;
  private final Prober prober;
  private final EventRecorder events;
  private final Stopper stopper;

  ContainerProbes(ContainerDirs dirs, Prober prober, EventRecorder events, Stopper stopper) {
    this.dirs = dirs;
    this.prober = prober;
    this.events = events;
    this.stopper = stopper;
  }

  /** Runs the container's startup, liveness and readiness probes that are due. */
  void probe(Pod pod, PodRecord rec, Container c, int attempt, ContainerState st) {
    String id = ContainerDirs.containerId(pod.getMetadata().getUid(), c.getName(), attempt);
    boolean started = c.getStartupProbe() == null || runProbe(pod, rec, c, id, st, "startup", c.getStartupProbe(), false);
    if (!started) {
      return;
    }
    if (c.getLivenessProbe() != null) {
      runProbe(pod, rec, c, id, st, "liveness", c.getLivenessProbe(), true);
    }
    if (c.getReadinessProbe() != null) {
      runProbe(pod, rec, c, id, st, "readiness", c.getReadinessProbe(), false);
    }
  }

  /** Runs a probe if due; returns its current verdict. Startup and liveness failures past the threshold restart the container. */
  private boolean runProbe(Pod pod, PodRecord rec, Container c, String id, ContainerState st, String kind, Probe p,
      boolean initialResult) {
    PodRecord.ProbeState ps = rec.probes.computeIfAbsent(id + ":" + kind, k -> {
      PodRecord.ProbeState s = new PodRecord.ProbeState();
      s.result = kind.equals("liveness");
      return s;
    });
    Instant now = Instant.now();
    int initialDelay = Objects.requireNonNullElse(p.getInitialDelaySeconds(), 0);
    int period = Math.max(1, Objects.requireNonNullElse(p.getPeriodSeconds(), 10));
    Instant started = st.startedAt() == null ? now : st.startedAt();
    if (now.isBefore(started.plusSeconds(initialDelay))) {
      return ps.result;
    }
    if (ps.lastRun != null && now.isBefore(ps.lastRun.plusSeconds(period).minusMillis(100))) {
      return ps.result;
    }
    if (kind.equals("startup") && ps.result) {
      return true;
    }
    ps.lastRun = now;
    Duration timeout = Duration.ofSeconds(Math.max(1, Objects.requireNonNullElse(p.getTimeoutSeconds(), 1)));
    Prober.Target t = new Prober.Target(id, rec.sandboxPid, rec.podIps.isEmpty() ? "" : rec.podIps.get(0), c);
    Prober.Outcome o;
    try {
      if (p.getExec() != null) {
        o = prober.exec(t, p.getExec(), timeout);
      } else if (p.getHttpGet() != null) {
        o = prober.httpGet(t, p.getHttpGet(), timeout);
      } else if (p.getTcpSocket() != null) {
        o = prober.tcpSocket(t, p.getTcpSocket(), timeout);
      } else {
        o = new Prober.Outcome(true, "");
      }
    } catch (RuntimeException e) {
      o = new Prober.Outcome(false, e.getMessage());
    }
    String field = EventRecorder.containerField(c.getName(), false);
    if (o.success()) {
      ps.failures = 0;
      ps.successes++;
      if (ps.successes >= Math.max(1, Objects.requireNonNullElse(p.getSuccessThreshold(), 1))) {
        ps.result = true;
      }
    } else {
      ps.successes = 0;
      ps.failures++;
      String name = Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
      events.event(pod, field, true, "Unhealthy", name + " probe failed: " + o.message());
      if (ps.failures >= Math.max(1, Objects.requireNonNullElse(p.getFailureThreshold(), 3))) {
        ps.result = false;
        if (!kind.equals("readiness")) {
          events.event(pod, field, false, "Killing", "Container " + c.getName() + " failed " + kind
              + " probe, will be restarted");
          long grace = p.getTerminationGracePeriodSeconds() != null ? p.getTerminationGracePeriodSeconds() : PodSyncer.grace(pod);
          int attempt = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
          stopper.stop(pod, c, id, dirs.instance(pod.getMetadata().getUid(), c.getName(), attempt), Duration.ofSeconds(grace));
        }
      }
    }
    return ps.result;
  }

  /** Whether a running container counts as ready and started (probes' verdicts). */
  static boolean[] readyStarted(PodRecord rec, Container c, String id) {
    PodRecord.ProbeState startup = rec.probes.get(id + ":startup");
    PodRecord.ProbeState ready = rec.probes.get(id + ":readiness");
    boolean started = c.getStartupProbe() == null || (startup != null && startup.result);
    boolean isReady = started && (c.getReadinessProbe() == null || (ready != null && ready.result));
    return new boolean[] {isReady, started};
  }

  /** Runs a lifecycle hook (exec, httpGet, sleep) against the container. */
  Prober.Outcome runHandler(Pod pod, PodRecord rec, Container c, String id, LifecycleHandler h, Duration timeout) {
    Prober.Target t = new Prober.Target(id, rec.sandboxPid, rec.podIps.isEmpty() ? "" : rec.podIps.get(0), c);
    try {
      if (h.getExec() != null) {
        return prober.exec(t, h.getExec(), timeout);
      }
      if (h.getHttpGet() != null) {
        return prober.httpGet(t, h.getHttpGet(), timeout);
      }
      if (h.getSleep() != null && h.getSleep().getSeconds() != null) {
        Thread.sleep(h.getSleep().getSeconds() * 1000);
      }
      return new Prober.Outcome(true, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Prober.Outcome(false, "interrupted");
    } catch (RuntimeException e) {
      return new Prober.Outcome(false, e.getMessage());
    }
  }
}
