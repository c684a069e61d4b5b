package io.jk.kubelet.pod;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.common.json.Json;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.ContainerState;
import io.jk.kubelet.container.OciSpecBuilder;
import io.jk.kubelet.container.PodCgroup;
import io.jk.kubelet.container.ShimRuntime;
import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.network.PodNetworkStatus;
import io.jk.kubelet.network.SandboxNetworkRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pods' sandboxes: the pause container that holds a pod's network, IPC and UTS namespaces (started
 * through the runtime like any container), its network (CNI, host ports), its {@code /etc} files and
 * its pod-level cgroup limits. Adopts a running sandbox after a kubelet restart. Blocking; called from
 * the pod's worker.
 */
final class Sandboxes {
  private static final Logger LOG = LoggerFactory.getLogger(Sandboxes.class);

  private final KubeletConfig cfg;
  private final ContainerDirs dirs;
  private final ShimRuntime runtime;
  private final PodNetwork network;
  private final EventRecorder events;
  private final Path pauseRootfs;

  Sandboxes(KubeletConfig cfg, ContainerDirs dirs, ShimRuntime runtime, PodNetwork network, EventRecorder events) {
    this.cfg = cfg;
    this.dirs = dirs;
    this.runtime = runtime;
    this.network = network;
    this.events = events;
    this.pauseRootfs = dirs.root().resolve("pause-rootfs");
    preparePauseRootfs();
  }

  private void preparePauseRootfs() {
    try {
      for (String d : List.of("proc", "dev", "sys", "etc")) {
        Files.createDirectories(pauseRootfs.resolve(d));
      }
      Path pause = pauseRootfs.resolve("pause");
      if (!Files.exists(pause)) {
        Path tmp = pauseRootfs.resolve(".pause.tmp");
        Files.copy(cfg.runtimeBinDir().resolve("pause"), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, pause, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the sandbox root file system under " + pauseRootfs, e);
    }
  }

  /** The pod's cgroup relative to the kubelet's own. */
  String podCgroup(String uid) {
    return cfg.cgroupParent() + "/pod" + uid;
  }

  /**
   * Starts or adopts the pod's sandbox; false when it is not running (status shows ContainerCreating).
   * {@code stopContainers} runs first when a sandbox that died must be replaced: its containers go with it.
   * {@code started} is told a new sandbox's pid as soon as it runs, before its network is set up (the
   * pod's {@code /etc/hosts} exists by then and gets its addresses in place afterwards).
   */
  boolean ensure(Pod pod, PodRecord rec, Runnable stopContainers, java.util.function.IntConsumer started) {
    String uid = pod.getMetadata().getUid();
    Path dir = dirs.sandbox(uid);
    if (rec.sandboxPid > 0) {
      ContainerState st = runtime.state(dir);
      if (st.running()) {
        return true;
      }
      // the sandbox died: every container goes with it and the pod starts over in a new one
      LOG.warn("Sandbox ended, recreating pod={}", PodSyncer.key(pod));
      stopContainers.run();
      teardown(pod, rec);
    } else if (Files.exists(dir.resolve("started.json"))) {
      ContainerState st = runtime.state(dir);
      if (st.running()) {
        rec.sandboxPid = st.pid();
        rec.podIps = readIps(uid);
        return true;
      }
      stopContainers.run();
      teardown(pod, rec);
    }
    try {
      Path etc = Files.createDirectories(dirs.pod(uid).resolve("etc"));
      String hostname = hostNetwork(pod) ? java.net.InetAddress.getLocalHost().getHostName() : PodEtcFiles.hostname(pod);
      Files.writeString(etc.resolve("hostname"), hostname + "\n");
      Files.writeString(etc.resolve("resolv.conf"), PodEtcFiles.resolvConf(pod));
      // without the pod's addresses until its network is up (rewritten in place: containers bind-mount the file)
      Files.writeString(etc.resolve("hosts"), PodEtcFiles.hosts(pod, hostname, List.of()));
      Files.createDirectories(dir);
      try {
        // the pod's own limits, before the first of its processes is in its cgroup
        PodCgroup.apply(podCgroup(uid), PodCgroup.of(pod));
      } catch (IOException | RuntimeException e) {
        LOG.warn("Pod cgroup limits not set pod={} err={}", PodSyncer.key(pod), e.toString());
      }
      ObjectNode sandboxSpec = OciSpecBuilder.sandbox(pod, pauseRootfs, hostname, podCgroup(uid) + "/pause");
      if (hostNetwork(pod)) {
        OciSpecBuilder.useHostNetwork(sandboxSpec);
      }
      Files.writeString(dir.resolve("config.json"), sandboxSpec.toString());
      rec.trace.mark("sandboxFiles");
      long t0 = System.nanoTime();
      rec.sandboxPid = runtime.start(ContainerDirs.sandboxId(uid), dir);
      long t1 = System.nanoTime();
      rec.trace.mark("sandboxStart");
      if (hostNetwork(pod)) {
        rec.podIps = List.of(cfg.nodeIp());
      } else {
        started.accept(rec.sandboxPid);
        PodNetworkStatus ns = PodSyncer.await(network.setUp(networkRef(pod, rec.sandboxPid)), Duration.ofMinutes(1));
        rec.podIps = ns.ips() == null ? List.of() : ns.ips();
      }
      Files.writeString(dirs.pod(uid).resolve("network.json"), Json.mapper().writeValueAsString(Map.of("ips", rec.podIps)));
      Files.writeString(etc.resolve("hosts"), PodEtcFiles.hosts(pod, hostname, rec.podIps));
      rec.trace.mark("network");
      LOG.debug("Sandbox started pod={} runtimeMs={} networkMs={}", PodSyncer.key(pod), (t1 - t0) / 1_000_000,
          (System.nanoTime() - t1) / 1_000_000);
      return true;
    } catch (IOException | RuntimeException e) {
      String msg = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
      events.event(pod, null, true, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + msg);
      LOG.warn("Sandbox failed pod={} err={}", PodSyncer.key(pod), msg);
      teardown(pod, rec);
      return false;
    }
  }

  private List<String> readIps(String uid) {
    try {
      Path f = dirs.pod(uid).resolve("network.json");
      if (!Files.exists(f)) {
        return List.of();
      }
      List<String> ips = new ArrayList<>();
      Json.mapper().readTree(f.toFile()).path("ips").forEach(n -> ips.add(n.asText()));
      return ips;
    } catch (IOException e) {
      return List.of();
    }
  }

  private SandboxNetworkRef networkRef(Pod pod, int pid) {
    List<SandboxNetworkRef.PortMapping> ports = new ArrayList<>();
    List<Container> running = new ArrayList<>(pod.getSpec().getContainers());
    PodSyncer.list(pod.getSpec().getInitContainers()).stream().filter(PodSyncer::isSidecar).forEach(running::add);
    for (Container c : running) {
      for (ContainerPort p : PodSyncer.list(c.getPorts())) {
        if (p.getHostPort() != null && p.getHostPort() > 0) {
          ports.add(new SandboxNetworkRef.PortMapping(p.getHostPort(), p.getContainerPort(),
              Objects.requireNonNullElse(p.getProtocol(), "TCP"), p.getHostIP()));
        }
      }
    }
    Path netns = pid > 0 ? Path.of("/proc/" + pid + "/ns/net") : dirs.sandbox(pod.getMetadata().getUid()).resolve("netns-gone");
    return new SandboxNetworkRef(ContainerDirs.sandboxId(pod.getMetadata().getUid()), netns,
        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getMetadata().getUid(), ports);
  }

  /** Stops the sandbox and releases its network (CNI DEL, host ports); keeps the pod's other files. */
  void teardown(Pod pod, PodRecord rec) {
    String uid = pod.getMetadata().getUid();
    Path dir = dirs.sandbox(uid);
    int pid = rec.sandboxPid;
    if (!hostNetwork(pod) && (pid > 0 || Files.exists(dir.resolve("started.json")))) {
      try {
        // With the pause process gone there is no namespace to name: never fall back to another
        // process's (pid 1 would be the host's own network). CNI then only releases the addresses.
        PodSyncer.await(network.tearDown(networkRef(pod, pid)), Duration.ofMinutes(1));
      } catch (RuntimeException e) {
        LOG.warn("Network teardown failed pod={} err={}", PodSyncer.key(pod), e.getMessage());
      }
    }
    if (runtime.state(dir).running()) {
      runtime.kill(ContainerDirs.sandboxId(uid), "KILL");
      runtime.waitExited(dir, Duration.ofSeconds(10));
    }
    runtime.delete(ContainerDirs.sandboxId(uid));
    PodFiles.deleteTree(dir);
    rec.sandboxPid = 0;
    rec.podIps = List.of();
  }

  static boolean hostNetwork(Pod pod) {
    return Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
  }
}
