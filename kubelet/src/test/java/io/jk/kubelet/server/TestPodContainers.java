package io.jk.kubelet.server;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PodContainers} of test-made containers: log files the test writes, a stand-in runtime. */
final class TestPodContainers implements PodContainers {

  private final Map<String, ContainerHandle> current = new ConcurrentHashMap<>();
  private final Map<String, ContainerHandle> previous = new ConcurrentHashMap<>();
  private final Map<String, Pod> pods = new ConcurrentHashMap<>();

  /** Adds a running container {@code ns/pod/container} logging to {@code log}, run by {@code runtime}. */
  ContainerHandle add(String ns, String pod, String container, Path log, Path runtime, Path runtimeRoot) {
    ContainerHandle h = new ContainerHandle(pod + "-" + container, log, true, runtime, runtimeRoot, null);
    current.put(ns + "/" + pod + "/" + container, h);
    pods.putIfAbsent(ns + "/" + pod, new PodBuilder().withNewMetadata().withNamespace(ns).withName(pod)
        .withUid("uid-" + pod).endMetadata().withNewSpec().withNodeName("n1").addNewContainer().withName(container)
        .withImage("busybox").endContainer().endSpec().build());
    return h;
  }

  void addPrevious(String ns, String pod, String container, Path log) {
    previous.put(ns + "/" + pod + "/" + container, new ContainerHandle(pod + "-" + container + "-0", log, false,
        null, null, null));
  }

  /** Marks the container as stopped: log followers end. */
  void stop(String ns, String pod, String container) {
    current.computeIfPresent(ns + "/" + pod + "/" + container, (k, h) -> new ContainerHandle(h.containerId(),
        h.logPath(), false, h.runtimePath(), h.runtimeRoot(), h.cgroupPath()));
  }

  @Override
  public Optional<ContainerHandle> find(String namespace, String podName, String containerName, boolean prev) {
    return Optional.ofNullable((prev ? previous : current).get(namespace + "/" + podName + "/" + containerName));
  }

  @Override
  public List<Pod> pods() {
    return List.copyOf(pods.values());
  }
}
