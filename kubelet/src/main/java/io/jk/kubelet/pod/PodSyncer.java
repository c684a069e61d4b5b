package io.jk.kubelet.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.jk.common.json.Json;
import io.jk.kubelet.cli.KubeletConfig;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.container.ContainerConfigException;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.ContainerState;
import io.jk.kubelet.container.EnvResolver;
import io.jk.kubelet.container.OciSpecBuilder;
import io.jk.kubelet.container.RuntimeFailure;
import io.jk.kubelet.container.ShimRuntime;
import io.jk.kubelet.image.Image;
import io.jk.kubelet.image.ImagePullException;
import io.jk.kubelet.image.ImageService;
import io.jk.kubelet.image.PullPolicy;
import io.jk.kubelet.image.RootfsManager;
import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.probe.Prober;
import io.jk.kubelet.volume.VolumeManager;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one pod real on the node and reads back its state: the kubelet's syncPod and killPod. Every
 * method blocks and is called only from the pod's worker, so calls for one pod never overlap.
 *
 * <p>One sync: volumes, sandbox ({@link Sandboxes}: pause + network + hosts files, while the first
 * containers' images and root file systems are prepared), init containers one at a time in order
 * (sidecars started and kept running), then every app container started or restarted as the restart
 * policy and back-off allow, probes run when due ({@link ContainerProbes}); returns the status to
 * publish ({@link PodStatusReader}). Termination stops app containers, then sidecars in reverse order.
 */
public final class PodSyncer {
  private static final Logger LOG = LoggerFactory.getLogger(PodSyncer.class);
  private static final Duration MIN_RUN_FOR_RESET = Duration.ofMinutes(10);
  /** How often configMap, secret, downwardAPI and projected volumes of running pods are refreshed. */
  private static final Duration VOLUME_REFRESH = Duration.ofMinutes(1);

  private final KubeletConfig cfg;
  private final ContainerDirs dirs;
  private final ShimRuntime runtime;
  private final ImageService images;
  private final RootfsManager rootfs;
  private final VolumeManager volumes;
  private final EventRecorder events;
  private final EnvResolver envResolver;
  private final PullCredentials credentials;
  private final Supplier<long[]> nodeAllocatable;
  private final Sandboxes sandboxes;
  private final ContainerProbes probes;
  private final PodStatusReader statusReader;
  /**
   * Prepares first containers' images and root file systems while their pod's sandbox starts. Unbounded
   * (threads die when idle): a slow pull for one pod must not hold another's back, and each sync waits
   * for its own preparations, so there are never more than the pod workers' containers in flight.
   */
  private final ExecutorService prepareExecutor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kubelet-prepare");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param nodeAllocatable cpu (milli) and memory (bytes) of the node, for resourceFieldRef defaults
   */
  public PodSyncer(KubeletConfig cfg, ContainerDirs dirs, ShimRuntime runtime, ImageService images, RootfsManager rootfs,
      PodNetwork network, VolumeManager volumes, EventRecorder events, Prober prober, EnvResolver envResolver,
      Supplier<long[]> nodeAllocatable, PullCredentials credentials) {
    this.credentials = credentials;
    this.cfg = cfg;
    this.dirs = dirs;
    this.runtime = runtime;
    this.images = images;
    this.rootfs = rootfs;
    this.volumes = volumes;
    this.events = events;
    this.envResolver = envResolver;
    this.nodeAllocatable = nodeAllocatable;
    this.sandboxes = new Sandboxes(cfg, dirs, runtime, network, events);
    this.probes = new ContainerProbes(dirs, prober, events, this::stopContainer);
    this.statusReader = new PodStatusReader(cfg.nodeIp(), dirs, runtime);
  }

  public ContainerDirs dirs() {
    return dirs;
  }

  public ShimRuntime runtime() {
    return runtime;
  }

  private String podCgroup(String uid) {
    return sandboxes.podCgroup(uid);
  }

  /** A container instance's cgroup relative to the kubelet's own (what its config.json names). */
  public String containerCgroup(String uid, String name, int attempt) {
    return podCgroup(uid) + "/" + name + "-" + attempt;
  }

  // ---------------------------------------------------------------- sync

  /** One pass of SYNC: moves the pod toward its spec; returns the status to publish. */
  PodStatus sync(Pod pod, PodRecord rec) {
    String uid = pod.getMetadata().getUid();
    rec.trace.mark("dispatch");
    writePodFile(pod);
    if (rec.volumes == null) {
      try {
        rec.volumes = await(volumes.setUp(pod), Duration.ofMinutes(2));
        rec.volumesRefreshedAt = Instant.now();
      } catch (RuntimeException e) {
        events.event(pod, null, true, "FailedMount", "MountVolume.SetUp failed: " + e.getMessage());
        return status(pod, rec);
      }
    }
    if (Instant.now().isAfter(rec.volumesRefreshedAt.plus(VOLUME_REFRESH))) {
      rec.volumesRefreshedAt = Instant.now();
      volumes.refresh(pod).onFailure(e -> LOG.warn("Volume refresh failed pod={} err={}", key(pod), e.getMessage()));
    }
    rec.trace.mark("volumes");
    try {
      if (rec.sandboxPid <= 0) {
        prepareFirstContainers(pod, rec);
      }
      if (!sandboxes.ensure(pod, rec, () -> stopContainers(pod, rec, 0), pid -> createEarly(pod, rec, pid))) {
        return status(pod, rec);
      }
      return syncContainers(pod, rec);
    } finally {
      discardPrepared(pod, rec);
    }
  }

  private PodStatus syncContainers(Pod pod, PodRecord rec) {
    String uid = pod.getMetadata().getUid();
    String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
    List<Container> inits = list(pod.getSpec().getInitContainers());
    boolean initsDone = true;
    // once an app container ran, the pod was initialized: a sidecar restarting later does not hold the apps back
    boolean appsStarted = pod.getSpec().getContainers().stream()
        .anyMatch(c -> !rec.prepared.containsKey(c.getName()) && !dirs.attempts(uid, c.getName()).isEmpty());
    for (Container c : inits) {
      List<Integer> attempts = rec.prepared.containsKey(c.getName()) ? List.<Integer>of() : dirs.attempts(uid, c.getName());
      if (isSidecar(c)) {
        if (syncSidecar(pod, rec, c, attempts) || appsStarted) {
          continue;
        }
        initsDone = false;
        break;
      }
      if (attempts.isEmpty()) {
        startContainer(pod, rec, c, true, 0);
        initsDone = false;
        break;
      }
      int attempt = attempts.get(attempts.size() - 1);
      ContainerState st = runtime.state(dirs.instance(uid, c.getName(), attempt));
      if (st.running()) {
        initsDone = false;
        break;
      }
      if (st.exitCode() == 0 && st.status() == ContainerState.Status.EXITED) {
        continue;
      }
      initsDone = false;
      noteExit(pod, rec, c, attempt, st);
      if (!policy.equals("Never")) {
        restartIfDue(pod, rec, c, true, attempt);
      }
      break;
    }
    if (initsDone) {
      for (Container c : pod.getSpec().getContainers()) {
        List<Integer> attempts = rec.prepared.containsKey(c.getName()) ? List.<Integer>of() : dirs.attempts(uid, c.getName());
        if (attempts.isEmpty()) {
          startContainer(pod, rec, c, false, 0);
          continue;
        }
        int attempt = attempts.get(attempts.size() - 1);
        Path dir = dirs.instance(uid, c.getName(), attempt);
        ContainerState st = runtime.state(dir);
        if (st.running()) {
          probes.probe(pod, rec, c, attempt, st);
          continue;
        }
        noteExit(pod, rec, c, attempt, st);
        boolean restart = policy.equals("Always") || (policy.equals("OnFailure") && st.exitCode() != 0);
        if (restart) {
          restartIfDue(pod, rec, c, false, attempt);
        }
      }
    }
    return status(pod, rec);
  }

  /** A sidecar: an init container with {@code restartPolicy: Always} (Kubernetes 1.29+), kept running beside the apps. */
  static boolean isSidecar(Container c) {
    return "Always".equals(c.getRestartPolicy());
  }

  /**
   * Starts a sidecar, restarts it after it ended (whatever the pod's restart policy, with back-off), runs
   * its probes; returns whether it counts as started (running and its startup probe, if any, passed), which
   * lets the next init container start.
   */
  private boolean syncSidecar(Pod pod, PodRecord rec, Container c, List<Integer> attempts) {
    String uid = pod.getMetadata().getUid();
    if (attempts.isEmpty()) {
      startContainer(pod, rec, c, true, 0);
    } else {
      int attempt = attempts.get(attempts.size() - 1);
      ContainerState st = runtime.state(dirs.instance(uid, c.getName(), attempt));
      if (!st.running()) {
        noteExit(pod, rec, c, attempt, st);
        restartIfDue(pod, rec, c, true, attempt);
      }
    }
    List<Integer> now = dirs.attempts(uid, c.getName());
    if (now.isEmpty()) {
      return false;
    }
    int attempt = now.get(now.size() - 1);
    ContainerState st = runtime.state(dirs.instance(uid, c.getName(), attempt));
    if (!st.running()) {
      return false;
    }
    probes.probe(pod, rec, c, attempt, st);
    return ContainerProbes.readyStarted(rec, c, ContainerDirs.containerId(uid, c.getName(), attempt))[1];
  }

  /** Counts an instance's end into the back-off once, unmounts its root file system and prunes older instances. */
  private void noteExit(Pod pod, PodRecord rec, Container c, int attempt, ContainerState st) {
    Integer seen = rec.exitSeen.get(c.getName());
    if (seen != null && seen >= attempt) {
      return;
    }
    rec.exitSeen.put(c.getName(), attempt);
    String uid = pod.getMetadata().getUid();
    Path dir = dirs.instance(uid, c.getName(), attempt);
    try {
      rootfs.unmount(dir, dir.resolve("rootfs"));
    } catch (RuntimeException e) {
      LOG.warn("Rootfs unmount failed pod={} container={} err={}", key(pod), c.getName(), e.getMessage());
    }
    boolean ranLong = !"StartError".equals(st.reason()) && st.startedAt() != null && st.finishedAt() != null
        && Duration.between(st.startedAt(), st.finishedAt()).compareTo(MIN_RUN_FOR_RESET) >= 0;
    int failures = ranLong ? 1 : rec.failures.getOrDefault(c.getName(), seen == null ? attempt : 0) + 1;
    rec.failures.put(c.getName(), failures);
    long delay = cfg.backoffBase().toMillis() << Math.min(20, failures - 1);
    delay = Math.min(delay, cfg.backoffMax().toMillis());
    Instant from = st.finishedAt() == null ? Instant.now() : st.finishedAt();
    rec.notBefore.put(c.getName(), from.plusMillis(delay));
    for (int old : dirs.attempts(uid, c.getName())) {
      if (old < attempt - 1) {
        deleteTree(dirs.instance(uid, c.getName(), old));
      }
    }
  }

  private void restartIfDue(Pod pod, PodRecord rec, Container c, boolean init, int attempt) {
    Instant notBefore = rec.notBefore.getOrDefault(c.getName(), Instant.EPOCH);
    Instant now = Instant.now();
    if (now.isBefore(notBefore)) {
      long secs = Math.max(1, Duration.between(now, notBefore).toSeconds());
      long delay = Math.min(cfg.backoffMax().toSeconds(),
          cfg.backoffBase().toSeconds() << Math.min(20, rec.failures.getOrDefault(c.getName(), 1) - 1));
      String msg = "back-off " + delay + "s restarting failed container=" + c.getName() + " pod=" + pod.getMetadata().getName()
          + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")";
      String[] prev = rec.waiting.get(c.getName());
      if (prev == null || !"CrashLoopBackOff".equals(prev[0])) {
        events.event(pod, EventRecorder.containerField(c.getName(), init), true, "BackOff",
            "Back-off restarting failed container " + c.getName() + " in pod " + pod.getMetadata().getName() + "_"
                + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid() + ")");
      }
      rec.waiting.put(c.getName(), new String[] {"CrashLoopBackOff", msg});
      LOG.debug("Back-off container={} remaining={}s", c.getName(), secs);
      return;
    }
    startContainer(pod, rec, c, init, attempt + 1);
  }

  /** Pulls the image, builds the bundle and starts one instance; failures become waiting reasons and events. */
  private void startContainer(Pod pod, PodRecord rec, Container c, boolean init, int attempt) {
    String uid = pod.getMetadata().getUid();
    String field = EventRecorder.containerField(c.getName(), init);
    Prepared prepared = attempt == 0 ? takePrepared(rec, c.getName()) : null;
    String[] pullWait = rec.waiting.get(c.getName());
    if (pullWait != null && (pullWait[0].equals("ErrImagePull") || pullWait[0].equals("ImagePullBackOff"))
        && Instant.now().isBefore(rec.notBefore.getOrDefault("pull:" + c.getName(), Instant.EPOCH))) {
      if (pullWait[0].equals("ErrImagePull")) {
        rec.waiting.put(c.getName(), new String[] {"ImagePullBackOff", "Back-off pulling image \"" + c.getImage() + "\""});
        events.event(pod, field, false, "BackOff", "Back-off pulling image \"" + c.getImage() + "\"");
      }
      return;
    }
    Image image;
    try {
      image = prepared != null ? prepared.image() : pull(pod, c, field, rec.images.containsKey(c.getName()));
    } catch (ImagePullException e) {
      String reason = switch (e.kind()) {
        case NEVER_PULL -> "ErrImageNeverPull";
        case INVALID_NAME -> "InvalidImageName";
        default -> "ErrImagePull";
      };
      rec.waiting.put(c.getName(), new String[] {reason, e.getMessage()});
      int n = rec.failures.merge("pull:" + c.getName(), 1, Integer::sum);
      rec.notBefore.put("pull:" + c.getName(), Instant.now().plusMillis(Math.min(cfg.backoffMax().toMillis(),
          cfg.backoffBase().toMillis() << Math.min(20, n - 1))));
      events.event(pod, field, true, "Failed", "Failed to pull image \"" + c.getImage() + "\": " + e.getMessage());
      events.event(pod, field, true, "Failed", "Error: " + reason);
      return;
    }
    rec.failures.remove("pull:" + c.getName());
    rec.trace.mark("image");
    Path dir = dirs.instance(uid, c.getName(), attempt);
    String id = ContainerDirs.containerId(uid, c.getName(), attempt);
    ShimRuntime.Created created = prepared != null ? prepared.created() : null;
    if (created == null) {
      Map<String, String> env;
      try {
        env = resolveEnv(pod, c, image, rec.podIps.isEmpty() ? "" : rec.podIps.get(0));
      } catch (ContainerConfigException | IllegalArgumentException e) {
        rec.waiting.put(c.getName(), new String[] {"CreateContainerConfigError", e.getMessage()});
        events.event(pod, field, true, "Failed", "Error: " + e.getMessage());
        return;
      }
      try {
        Files.createDirectories(dir);
        rec.trace.mark("env");
        if (prepared == null || !prepared.mounted()) {
          rootfs.mount(image, dir, dir.resolve("rootfs"));
        }
        rec.trace.mark("rootfs");
        writeBundle(pod, c, attempt, image, env, rec.volumes, rec.sandboxPid, dir);
      } catch (IOException | RuntimeException e) {
        String msg = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
        ShimRuntime.recordStartError(dir, msg);
        events.event(pod, field, true, "Failed", "Error: " + msg);
        rec.waiting.remove(c.getName());
        return;
      }
      rec.trace.mark("bundle");
    } else {
      // created while the pod's network was set up: only its process is left to run
      rec.trace.mark("created");
    }
    events.event(pod, field, false, "Created", "Created container " + c.getName());
    long startNs = System.nanoTime();
    try {
      if (created != null) {
        created.start();
      } else {
        runtime.start(id, dir);
      }
      LOG.debug("Container started pod={} container={} runtimeMs={}", key(pod), c.getName(),
          (System.nanoTime() - startNs) / 1_000_000);
    } catch (RuntimeFailure e) {
      ShimRuntime.recordStartError(dir, e.getMessage());
      events.event(pod, field, true, "Failed", "Error: " + e.getMessage());
      rec.waiting.remove(c.getName());
      return;
    }
    rec.trace.mark("runtimeStart");
    rec.waiting.remove(c.getName());
    rec.images.put(c.getName(), new String[] {c.getImage(), imageId(image)});
    events.event(pod, field, false, "Started", "Started container " + c.getName());
    LifecycleHandler postStart = c.getLifecycle() == null ? null : c.getLifecycle().getPostStart();
    if (postStart != null) {
      Prober.Outcome o = probes.runHandler(pod, rec, c, id, postStart, Duration.ofSeconds(30));
      if (!o.success()) {
        events.event(pod, field, true, "FailedPostStartHook", o.message());
        events.event(pod, field, false, "Killing", "FailedPostStartHook");
        stopContainer(pod, c, id, dir, Duration.ofSeconds(2));
      }
    }
  }

  /** The container's environment (image's, then the pod spec's), checked against {@code runAsNonRoot}. */
  private Map<String, String> resolveEnv(Pod pod, Container c, Image image, String podIp) {
    long[] alloc = nodeAllocatable.get();
    Map<String, String> env = OciSpecBuilder.mergeEnv(image.config(), envResolver.resolve(pod, c, cfg.nodeIp(), podIp,
        alloc[0], alloc[1]));
    long[] ids = OciSpecBuilder.user(c, pod, image.config());
    if (OciSpecBuilder.runAsNonRoot(c, pod) && ids[0] == 0) {
      throw new ContainerConfigException("container has runAsNonRoot and image will run as root (pod: \""
          + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid()
          + ")\", container: " + c.getName() + ")");
    }
    return env;
  }

  /** Writes the OCI bundle of one container instance into {@code dir} (whose {@code rootfs} is mounted). */
  private void writeBundle(Pod pod, Container c, int attempt, Image image, Map<String, String> env, Map<String, Path> volumes,
      int sandboxPid, Path dir) throws IOException {
    String uid = pod.getMetadata().getUid();
    ObjectNode spec = OciSpecBuilder.container(new OciSpecBuilder.ContainerInput(pod, c, image.config(), env, volumes,
        sandboxPid, dir.resolve("rootfs"), dirs.pod(uid).resolve("etc"), containerCgroup(uid, c.getName(), attempt)));
    // the container's termination message file, read into status when it ends
    Path termLog = dir.resolve("termination-log");
    Files.writeString(termLog, "");
    String termPath = c.getTerminationMessagePath() == null || c.getTerminationMessagePath().isEmpty()
        ? "/dev/termination-log" : c.getTerminationMessagePath();
    ((com.fasterxml.jackson.databind.node.ArrayNode) spec.get("mounts")).addObject().put("destination", termPath)
        .put("type", "bind").put("source", termLog.toString()).putArray("options").add("rbind").add("rprivate").add("rw");
    Files.writeString(dir.resolve("config.json"), spec.toString());
    Files.writeString(dir.resolve("image.json"), Json.mapper().createObjectNode().put("image", c.getImage())
        .put("imageID", imageId(image)).put("stopSignal", image.config().stopSignal()).toString());
  }

  /**
   * Once a new sandbox runs, the prepared first containers are created (not started) on other threads
   * while the worker sets up the pod's network: only their processes wait for it. A container whose
   * environment names the pod's IP waits for the network as a whole.
   */
  private void createEarly(Pod pod, PodRecord rec, int sandboxPid) {
    Map<String, Path> volumes = rec.volumes;
    List<Container> all = new ArrayList<>(list(pod.getSpec().getInitContainers()));
    all.addAll(pod.getSpec().getContainers());
    for (Map.Entry<String, CompletableFuture<Prepared>> e : rec.prepared.entrySet()) {
      Container c = all.stream().filter(x -> x.getName().equals(e.getKey())).findFirst().orElse(null);
      if (c == null || usesPodIp(c)) {
        continue;
      }
      e.setValue(e.getValue().thenApplyAsync(p -> createEarly(pod, c, p, sandboxPid, volumes), prepareExecutor));
    }
  }

  private Prepared createEarly(Pod pod, Container c, Prepared p, int sandboxPid, Map<String, Path> volumes) {
    if (p.pulled() == null || !p.mounted()) {
      return p;
    }
    try {
      writeBundle(pod, c, 0, p.pulled(), resolveEnv(pod, c, p.pulled(), ""), volumes, sandboxPid, p.dir());
      ShimRuntime.Created created = runtime.create(ContainerDirs.containerId(pod.getMetadata().getUid(), c.getName(), 0), p.dir());
      return new Prepared(p.pulled(), null, true, p.dir(), created);
    } catch (IOException | RuntimeException e) {
      // the start after the network does it all again, and reports what fails
      LOG.debug("Early container create failed pod={} container={} err={}", key(pod), c.getName(), e.getMessage());
      return p;
    }
  }

  /** Whether the container's environment takes the pod's IP (known only once the network is up). */
  static boolean usesPodIp(Container c) {
    return list(c.getEnv()).stream().anyMatch(v -> v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null
        && String.valueOf(v.getValueFrom().getFieldRef().getFieldPath()).startsWith("status.podIP"));
  }

  /**
   * The first containers to run (the first init container, else every app container) get their image and
   * root file system now, on other threads, while the sandbox starts: neither needs the sandbox.
   */
  private void prepareFirstContainers(Pod pod, PodRecord rec) {
    String uid = pod.getMetadata().getUid();
    List<Container> inits = list(pod.getSpec().getInitContainers());
    List<Container> first = inits.isEmpty() ? pod.getSpec().getContainers() : List.of(inits.get(0));
    for (Container c : first) {
      if (rec.waiting.containsKey(c.getName()) || !dirs.attempts(uid, c.getName()).isEmpty()) {
        continue;
      }
      String field = EventRecorder.containerField(c.getName(), !inits.isEmpty());
      boolean reported = rec.images.containsKey(c.getName());
      Path dir = dirs.instance(uid, c.getName(), 0);
      rec.prepared.put(c.getName(), CompletableFuture.supplyAsync(() -> {
        Image image;
        try {
          image = pull(pod, c, field, reported);
        } catch (ImagePullException e) {
          return new Prepared(null, e, false, dir, null);
        }
        try {
          Files.createDirectories(dir);
          rootfs.mount(image, dir, dir.resolve("rootfs"));
          return new Prepared(image, null, true, dir, null);
        } catch (IOException | RuntimeException e) {
          // mounted again (and the error reported) by startContainer
          LOG.debug("Early rootfs mount failed pod={} container={} err={}", key(pod), c.getName(), e.getMessage());
          return new Prepared(image, null, false, dir, null);
        }
      }, prepareExecutor));
    }
  }

  /**
   * What {@link #prepareFirstContainers} did for one container: its image or pull error, its mounted root,
   * and the container created but not started ({@link #createEarly}), if it was.
   */
  record Prepared(Image pulled, ImagePullException pullError, boolean mounted, Path dir, ShimRuntime.Created created) {
    Image image() {
      if (pullError != null) {
        throw pullError;
      }
      return pulled;
    }
  }

  private Prepared takePrepared(PodRecord rec, String name) {
    CompletableFuture<Prepared> f = rec.prepared.remove(name);
    return f == null ? null : f.join();
  }

  /** Undoes preparations no start used (the sandbox failed): their directories must not look like instances. */
  private void discardPrepared(Pod pod, PodRecord rec) {
    for (String name : List.copyOf(rec.prepared.keySet())) {
      Prepared p = takePrepared(rec, name);
      if (p.created() != null) {
        p.created().cancel();
      }
      if (p.mounted()) {
        try {
          rootfs.unmount(p.dir(), p.dir().resolve("rootfs"));
        } catch (RuntimeException e) {
          LOG.warn("Rootfs unmount failed pod={} container={} err={}", key(pod), name, e.getMessage());
        }
      }
      deleteTree(p.dir());
    }
  }

  /** The image of {@code c} as its pull policy says; {@code reported}: the "already present" event was sent. */
  private Image pull(Pod pod, Container c, String field, boolean reported) {
    PullPolicy policy = PullPolicy.of(c.getImagePullPolicy() != null ? c.getImagePullPolicy()
        : c.getImage().endsWith(":latest") || !c.getImage().contains(":") ? "Always" : "IfNotPresent");
    boolean present = images.find(c.getImage()).isPresent();
    if (present && policy != PullPolicy.ALWAYS) {
      if (!reported) {
        events.event(pod, field, false, "Pulled", "Container image \"" + c.getImage() + "\" already present on machine");
      }
      return images.find(c.getImage()).get();
    }
    if (policy != PullPolicy.NEVER) {
      events.event(pod, field, false, "Pulling", "Pulling image \"" + c.getImage() + "\"");
    }
    long t0 = System.nanoTime();
    Image image;
    try {
      image = await(images.ensureImage(c.getImage(), policy, credentials.forPod(pod)), Duration.ofMinutes(10));
    } catch (ImagePullException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ImagePullException(ImagePullException.Kind.PULL_FAILED, e.getMessage(), e);
    }
    if (policy != PullPolicy.NEVER) {
      events.event(pod, field, false, "Pulled", "Successfully pulled image \"" + c.getImage() + "\" in "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + "ms");
    }
    return image;
  }

  private static String imageId(Image image) {
    return image.repoDigest() != null ? image.repoDigest() : image.id();
  }

  // ---------------------------------------------------------------- termination

  static long grace(Pod pod) {
    if (pod.getMetadata().getDeletionGracePeriodSeconds() != null) {
      return pod.getMetadata().getDeletionGracePeriodSeconds();
    }
    return Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L);
  }

  /**
   * Stops every running container of the pod (preStop, the stop signal, SIGKILL after {@code graceSeconds}),
   * all in parallel as the kubelet does, then the sandbox and its network. Keeps files and logs.
   */
  void stopAll(Pod pod, PodRecord rec, long graceSeconds) {
    stopContainers(pod, rec, graceSeconds);
    sandboxes.teardown(pod, rec);
    Cgroups.remove(podCgroup(pod.getMetadata().getUid()));
  }

  /**
   * Stops the app containers (and any init container still running) in parallel, then the sidecars one
   * at a time in reverse order, as Kubernetes does; all within one grace period.
   */
  private void stopContainers(Pod pod, PodRecord rec, long graceSeconds) {
    Instant deadline = Instant.now().plusSeconds(graceSeconds);
    List<Container> first = new ArrayList<>();
    List<Container> sidecars = new ArrayList<>();
    for (Container c : list(pod.getSpec().getInitContainers())) {
      (isSidecar(c) ? sidecars : first).add(c);
    }
    first.addAll(pod.getSpec().getContainers());
    stopInParallel(pod, rec, first, deadline);
    for (int i = sidecars.size() - 1; i >= 0; i--) {
      stopInParallel(pod, rec, List.of(sidecars.get(i)), deadline);
    }
  }

  private void stopInParallel(Pod pod, PodRecord rec, List<Container> containers, Instant deadline) {
    String uid = pod.getMetadata().getUid();
    List<Thread> threads = new ArrayList<>();
    for (Container c : containers) {
      boolean init = list(pod.getSpec().getInitContainers()).contains(c);
      String field = EventRecorder.containerField(c.getName(), init);
      for (int attempt : dirs.attempts(uid, c.getName())) {
        Path dir = dirs.instance(uid, c.getName(), attempt);
        if (!runtime.state(dir).running()) {
          continue;
        }
        String id = ContainerDirs.containerId(uid, c.getName(), attempt);
        threads.add(new Thread(() -> {
          LifecycleHandler preStop = c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
          Duration grace = Duration.between(Instant.now(), deadline);
          if (preStop != null && !grace.isNegative() && !grace.isZero()) {
            Prober.Outcome o = probes.runHandler(pod, rec, c, id, preStop, grace);
            if (!o.success()) {
              events.event(pod, field, true, "FailedPreStopHook", o.message());
            }
          }
          events.event(pod, field, false, "Killing", "Stopping container " + c.getName());
          Duration left = Duration.between(Instant.now(), deadline);
          stopContainer(pod, c, id, dir, left.isNegative() ? Duration.ZERO : left);
        }, "kubelet-stop"));
      }
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** SIGTERM (or the image's stop signal), SIGKILL after {@code grace}; waits for the exit file. */
  private void stopContainer(Pod pod, Container c, String id, Path dir, Duration grace) {
    String signal = "TERM";
    try {
      JsonNode img = Json.mapper().readTree(dir.resolve("image.json").toFile());
      String s = img.path("stopSignal").asText("");
      if (!s.isEmpty()) {
        signal = s.startsWith("SIG") ? s.substring(3) : s;
      }
    } catch (IOException | RuntimeException ignored) {
      // default signal
    }
    if (!grace.isZero()) {
      runtime.kill(id, signal);
      if (waitExit(dir, grace)) {
        return;
      }
    }
    runtime.kill(id, "KILL");
    if (!waitExit(dir, Duration.ofSeconds(10))) {
      LOG.warn("Container did not exit after SIGKILL pod={} container={}", key(pod), c.getName());
    }
  }

  private boolean waitExit(Path dir, Duration max) {
    return runtime.waitExited(dir, max);
  }

  /** Removes everything of a stopped pod: root file systems, volumes, cgroups, its directory (logs too). */
  void cleanup(String uid) {
    Path pod = dirs.pod(uid);
    if (Files.isDirectory(pod.resolve("containers"))) {
      try (var names = Files.list(pod.resolve("containers"))) {
        for (Path name : names.toList()) {
          for (int attempt : dirs.attempts(uid, name.getFileName().toString())) {
            Path dir = dirs.instance(uid, name.getFileName().toString(), attempt);
            try {
              rootfs.unmount(dir, dir.resolve("rootfs"));
            } catch (RuntimeException e) {
              LOG.warn("Rootfs unmount failed uid={} err={}", uid, e.getMessage());
            }
            runtime.delete(ContainerDirs.containerId(uid, name.getFileName().toString(), attempt));
          }
        }
      } catch (IOException e) {
        LOG.warn("Cleanup listing failed uid={} err={}", uid, e.getMessage());
      }
    }
    try {
      await(volumes.tearDown(uid), Duration.ofMinutes(1));
    } catch (RuntimeException e) {
      LOG.warn("Volume teardown failed uid={} err={}", uid, e.getMessage());
    }
    Cgroups.remove(podCgroup(uid));
    deleteTree(pod);
  }

  // ---------------------------------------------------------------- status

  /** The status of the pod as the node sees it now. */
  PodStatus status(Pod pod, PodRecord rec) {
    return statusReader.status(pod, rec);
  }

  // ---------------------------------------------------------------- helpers

  private void writePodFile(Pod pod) {
    PodFiles.writePodFile(dirs, pod);
  }

  /** The pod as it was when first synced on this node (for pods deleted while the kubelet was down). */
  Pod readPodFile(String uid) {
    return PodFiles.readPodFile(dirs, uid);
  }

  static <T> T await(Future<T> f, Duration max) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + max.toSeconds() + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  static void deleteTree(Path dir) {
    PodFiles.deleteTree(dir);
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}
