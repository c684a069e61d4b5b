package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.jk.common.json.Json;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.ContainerState;
import io.jk.kubelet.container.ShimRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pod's status as the node sees it: each container's latest and previous instance from the
 * shims' files, waiting reasons the worker recorded, probe verdicts, termination messages; the pod
 * status itself is {@link PodStatusBuilder}'s.
 */
final class PodStatusReader {
  private final String nodeIp;
  private final ContainerDirs dirs;
  private final ShimRuntime runtime;

  PodStatusReader(String nodeIp, ContainerDirs dirs, ShimRuntime runtime) {
    this.nodeIp = nodeIp;
    this.dirs = dirs;
    this.runtime = runtime;
  }

  /** The status of the pod as the node sees it now. */
  PodStatus status(Pod pod, PodRecord rec) {
    String uid = pod.getMetadata().getUid();
    List<ContainerView> init = new ArrayList<>();
    for (Container c : PodSyncer.list(pod.getSpec().getInitContainers())) {
      init.add(view(pod, rec, c, true));
    }
    List<ContainerView> app = new ArrayList<>();
    for (Container c : pod.getSpec().getContainers()) {
      app.add(view(pod, rec, c, false));
    }
    return PodStatusBuilder.build(pod, init, app, rec.podIps, nodeIp, Instant.now());
  }

  private ContainerView view(Pod pod, PodRecord rec, Container c, boolean init) {
    String uid = pod.getMetadata().getUid();
    List<Integer> attempts = dirs.attempts(uid, c.getName());
    String[] waiting = rec.waiting.get(c.getName());
    if (attempts.isEmpty()) {
      return new ContainerView(c.getName(), init, -1, null, null, waiting == null ? null : waiting[0],
          waiting == null ? null : waiting[1], false, false, c.getImage(), "", null);
    }
    int attempt = attempts.get(attempts.size() - 1);
    Path dir = dirs.instance(uid, c.getName(), attempt);
    ContainerState latest = runtime.state(dir);
    ContainerState previous = attempts.size() > 1 ? runtime.state(dirs.instance(uid, c.getName(), attempts.get(attempts.size() - 2))) : null;
    if (latest.status() == ContainerState.Status.UNKNOWN && latest.exitCode() < 0) {
      latest = null;
    }
    if (latest != null && latest.status() == ContainerState.Status.EXITED && latest.message() == null) {
      latest = withTerminationMessage(c, dir, latest);
    }
    String id = ContainerDirs.containerId(uid, c.getName(), attempt);
    boolean[] rs = latest != null && latest.running() ? ContainerProbes.readyStarted(rec, c, id) : new boolean[] {false, false};
    if (latest != null && latest.running()) {
      waiting = null;
    }
    String imageId = "";
    try {
      imageId = Json.mapper().readTree(dir.resolve("image.json").toFile()).path("imageID").asText("");
    } catch (IOException | RuntimeException ignored) {
      // not started
    }
    return new ContainerView(c.getName(), init, attempt, latest, previous, waiting == null ? null : waiting[0],
        waiting == null ? null : waiting[1], rs[0], rs[1], c.getImage(), imageId, id);
  }

  /**
   * The message Kubernetes shows for an ended container: its termination message file (at most 4096
   * bytes), or with {@code FallbackToLogsOnError} and a failure, the end of its log (80 lines, 2048 bytes).
   */
  static ContainerState withTerminationMessage(Container c, Path dir, ContainerState st) {
    String msg = null;
    try {
      Path f = dir.resolve("termination-log");
      if (Files.exists(f) && Files.size(f) > 0) {
        byte[] b = Files.readAllBytes(f);
        msg = new String(b, 0, Math.min(b.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
      } else if ("FallbackToLogsOnError".equals(c.getTerminationMessagePolicy()) && st.exitCode() != 0) {
        Path log = ShimRuntime.logFile(dir);
        if (Files.exists(log)) {
          List<String> lines = Files.readAllLines(log);
          StringBuilder sb = new StringBuilder();
          for (String line : lines.subList(Math.max(0, lines.size() - 80), lines.size())) {
            // CRI format: time stream P|F text
            String[] parts = line.split(" ", 4);
            sb.append(parts.length == 4 ? parts[3] : "").append(parts.length == 4 && parts[2].equals("P") ? "" : "\n");
          }
          msg = sb.length() > 2048 ? sb.substring(sb.length() - 2048) : sb.toString();
        }
      }
    } catch (IOException | RuntimeException e) {
      return st;
    }
    if (msg == null || msg.isEmpty()) {
      return st;
    }
    return new ContainerState(st.status(), st.exitCode(), st.reason(), msg, st.startedAt(), st.finishedAt(), st.pid());
  }
}
