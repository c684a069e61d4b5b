package io.jk.kubelet.server.portforward;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.common.json.Json;
import io.jk.kubelet.server.ContainerHandle;
import io.jk.kubelet.server.PodContainers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the network namespace of a pod on this node: a running container's init process (from
 * its OCI runtime's {@code state}) shares the pod's, so {@code /proc/<pid>/ns/net} is it. Blocking.
 */
final class PodNetns {

  private PodNetns() {}

  /** Where to forward to: the pod (for its uid in messages) and its namespace path. */
  record Target(Pod pod, Path netns) {}

  /** Thrown with the message a client sees when the pod cannot be forwarded to. */
  static final class NotForwardable extends Exception {
    final int status;

    NotForwardable(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  static Target resolve(PodContainers pods, String namespace, String name) throws NotForwardable {
    Optional<Pod> pod = pods.pods().stream().filter(p -> p.getMetadata() != null
        && namespace.equals(p.getMetadata().getNamespace()) && name.equals(p.getMetadata().getName())).findFirst();
    if (pod.isEmpty()) {
      throw new NotForwardable(404, "pod \"" + name + "\" in namespace \"" + namespace + "\" not found on this node");
    }
    List<Container> containers = pod.get().getSpec() == null ? List.of() : pod.get().getSpec().getContainers();
    for (Container c : containers) {
      Optional<ContainerHandle> h = pods.find(namespace, name, c.getName(), false);
      if (h.isPresent() && h.get().running()) {
        int pid = statePid(h.get());
        Path netns = Path.of("/proc/" + pid + "/ns/net");
        if (pid > 0 && Files.exists(netns)) {
          return new Target(pod.get(), netns);
        }
      }
    }
    throw new NotForwardable(400, "pod " + name + " has no running container to forward to");
  }

  private static int statePid(ContainerHandle h) {
    try {
      Process p = new ProcessBuilder(h.runtimePath().toString(), "--root", h.runtimeRoot().toString(), "state",
          h.containerId()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] out = p.getInputStream().readNBytes(64 * 1024);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      if (p.exitValue() != 0) {
        return -1;
      }
      JsonNode state = Json.mapper().readTree(new String(out, StandardCharsets.UTF_8));
      return "running".equals(state.path("status").asText()) ? state.path("pid").asInt(-1) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
