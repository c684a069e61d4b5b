package io.jk.kubelet.pod;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pod worker remembers of its pod between syncs (only its worker thread touches it). What
 * must survive a kubelet restart is on disk instead ({@link io.jk.kubelet.container.ContainerDirs}).
 */
final class PodRecord {
  final String uid;
  int sandboxPid;
  List<String> podIps = List.of();
  Map<String, java.nio.file.Path> volumes;
  Instant volumesRefreshedAt = Instant.EPOCH;
  /** Per container name: the waiting reason and message that override what the disk says (image pull, config errors). */
  final Map<String, String[]> waiting = new HashMap<>();
  /** Per container name: consecutive failed runs (drives the back-off) and when the next start may happen. */
  final Map<String, Integer> failures = new HashMap<>();
  final Map<String, Instant> notBefore = new HashMap<>();
  /** Per container name: the attempt whose exit was already counted into the back-off. */
  final Map<String, Integer> exitSeen = new HashMap<>();
  /** Per {@code containerId:kind} (liveness, readiness, startup): probe bookkeeping. */
  final Map<String, ProbeState> probes = new HashMap<>();
  /** Per container name: image and image id of the last start. */
  final Map<String, String[]> images = new HashMap<>();
  boolean finished;
  /** Per container name: its image and root file system being readied while the sandbox starts. */
  final Map<String, java.util.concurrent.CompletableFuture<PodSyncer.Prepared>> prepared = new HashMap<>();
  /** The way to the first Running status, for the startup log line. */
  final StartupTrace trace = new StartupTrace();

  PodRecord(String uid) {
    this.uid = uid;
  }

  /** One probe kind's counters for one container instance. */
  static final class ProbeState {
    Instant lastRun;
    int successes;
    int failures;
    boolean result;
  }
}
