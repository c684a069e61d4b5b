package io.jk.kubelet.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.resources.NodeAllocatable;
import io.jk.common.resources.Resources;
import io.jk.kubelet.container.Cgroups;
import io.jk.kubelet.container.ContainerDirs;
import io.jk.kubelet.container.EnvResolver;
import io.jk.kubelet.container.ShimRuntime;
import io.jk.kubelet.image.ImageService;
import io.jk.kubelet.image.RootfsManager;
import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.node.NodeAgent;
import io.jk.kubelet.pod.EventRecorder;
import io.jk.kubelet.pod.PodSyncer;
import io.jk.kubelet.pod.PodWorkers;
import io.jk.kubelet.pod.PullCredentials;
import io.jk.kubelet.probe.Prober;
import io.jk.kubelet.server.PodContainers;
import io.jk.kubelet.status.StatusManager;
import io.jk.kubelet.volume.VolumeManager;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet component: registers the Node and keeps its Lease, watches the pods bound to it and
 * runs one worker per pod. Every {@code imageGcPeriod} it asks the image service to collect
 * garbage, with the images of the pods it runs as in use. {@link #stop()} leaves every container running: a kubelet started later
 * on the same root dir adopts them.
 */
public final class Kubelet {
  private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);

  /** The node-level services the kubelet drives (images, root file systems, CNI, volumes). */
  public record Dependencies(ImageService images, RootfsManager rootfs, PodNetwork network, VolumeManager volumes) {}

  private final KubeletConfig cfg;
  private final KubernetesClient client;
  private final Dependencies deps;
  private ScheduledExecutorService podExecutor;
  private ScheduledExecutorService nodeExecutor;
  private ExecutorService eventExecutor;
  private NodeAgent nodeAgent;
  private PodWorkers workers;
  private SharedIndexInformer<Pod> informer;
  /** Every Service, for the containers' service environment variables. */
  private SharedIndexInformer<io.fabric8.kubernetes.api.model.Service> services;
  private final AtomicBoolean collecting = new AtomicBoolean();

  public Kubelet(KubeletConfig cfg, KubernetesClient client, Dependencies deps) {
    this.cfg = cfg;
    this.client = client;
    this.deps = deps;
  }

  /** Registers the node, then starts watching pods; completes once the pod informer has synced. */
  public Future<Void> start() {
    Promise<Void> p = Promise.promise();
    Thread t = new Thread(() -> {
      try {
        doStart();
        p.complete();
      } catch (RuntimeException e) {
        LOG.error("Kubelet start failed node={} err={}", cfg.nodeName(), e.getMessage(), e);
        p.fail(e);
      }
    }, "kubelet-start");
    t.start();
    return p.future();
  }

  private void doStart() {
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(16, named("kubelet-pod"));
    // on stop, in-flight syncs finish (a container half-started would be lost) but no new ones start
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    podExecutor = pool;
    nodeExecutor = Executors.newSingleThreadScheduledExecutor(named("kubelet-node"));
    eventExecutor = Executors.newSingleThreadExecutor(named("kubelet-events"));
    ContainerDirs dirs = new ContainerDirs(cfg.rootDir());
    ShimRuntime runtime = new ShimRuntime(cfg.runtimeBinDir().resolve("jkshim"), cfg.runtimePath(), dirs.runtimeRoot());
    nodeAgent = new NodeAgent(client, cfg, nodeExecutor);
    nodeAgent.start();
    EventRecorder events = new EventRecorder(client, cfg.nodeName(), eventExecutor);
    PodSyncer syncer = new PodSyncer(cfg, dirs, runtime, deps.images(), deps.rootfs(), deps.network(), deps.volumes(),
        events, new Prober(runtime, "/bin/busybox"), new EnvResolver(client, this::servicesIn), () -> {
          var n = nodeAgent.node();
          Resources r = n == null ? Resources.ZERO : NodeAllocatable.of(n);
          return new long[] {r.cpuMilli(), r.memory()};
        }, new PullCredentials(client));
    services = client.services().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(io.fabric8.kubernetes.api.model.Service s) {}

      @Override
      public void onUpdate(io.fabric8.kubernetes.api.model.Service o, io.fabric8.kubernetes.api.model.Service s) {}

      @Override
      public void onDelete(io.fabric8.kubernetes.api.model.Service s, boolean unknownFinalState) {}
    }, 0);
    workers = new PodWorkers(syncer, new StatusManager(client), client, nodeAgent::node, podExecutor, cfg.syncPeriod());
    informer = client.pods().inAnyNamespace().withField("spec.nodeName", cfg.nodeName())
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            workers.update(pod);
          }

          @Override
          public void onUpdate(Pod oldPod, Pod pod) {
            workers.update(pod);
          }

          @Override
          public void onDelete(Pod pod, boolean unknownFinalState) {
            workers.deleted(pod);
          }
        }, 0);
    Set<String> uids = new HashSet<>();
    informer.getStore().list().forEach(pod -> uids.add(pod.getMetadata().getUid()));
    workers.removeOrphans(uids);
    long gcEvery = Math.max(1, cfg.imageGcPeriod().toMillis());
    nodeExecutor.scheduleWithFixedDelay(this::collectImages, gcEvery, gcEvery, TimeUnit.MILLISECONDS);
    LOG.info("Kubelet started node={} rootDir={} runtime={}", cfg.nodeName(), cfg.rootDir(), cfg.runtimePath());
  }

  /** The Services of {@code namespace} from the informer (synced before any pod is started). */
  private List<io.fabric8.kubernetes.api.model.Service> servicesIn(String namespace) {
    return services.getStore().list().stream().filter(s -> namespace.equals(s.getMetadata().getNamespace())).toList();
  }

  /** One image garbage collection, unless the previous one is still running. */
  private void collectImages() {
    if (!collecting.compareAndSet(false, true)) {
      return;
    }
    Set<String> inUse;
    try {
      // the API's view (pods not yet picked up by a worker) and the workers' (pods still terminating)
      List<Pod> pods = new java.util.ArrayList<>(informer.getStore().list());
      pods.addAll(workers.pods());
      inUse = imagesInUse(pods);
    } catch (RuntimeException e) {
      collecting.set(false);
      LOG.warn("Image garbage collection skipped node={} err={}", cfg.nodeName(), e.getMessage());
      return;
    }
    deps.images().collectGarbage(inUse)
        .onSuccess(removed -> {
          if (!removed.isEmpty()) {
            LOG.info("Image garbage collection removed images node={} images={}", cfg.nodeName(), removed);
          }
        })
        .onFailure(e -> LOG.warn("Image garbage collection failed node={} err={}", cfg.nodeName(), e.getMessage()))
        .onComplete(r -> collecting.set(false));
  }

  /**
   * The images {@code pods} use: every container's (init, app, ephemeral) {@code image} and the
   * {@code imageID}s their statuses report, so an image a pod was started from stays even when its
   * tag moved.
   */
  public static Set<String> imagesInUse(Collection<Pod> pods) {
    Set<String> out = new HashSet<>();
    for (Pod pod : pods) {
      if (pod.getSpec() != null) {
        for (List<Container> cs : List.of(orEmpty(pod.getSpec().getInitContainers()), orEmpty(pod.getSpec().getContainers()))) {
          cs.forEach(c -> addIfSet(out, c.getImage()));
        }
        for (EphemeralContainer c : orEmpty(pod.getSpec().getEphemeralContainers())) {
          addIfSet(out, c.getImage());
        }
      }
      if (pod.getStatus() != null) {
        for (List<ContainerStatus> ss : List.of(orEmpty(pod.getStatus().getInitContainerStatuses()),
            orEmpty(pod.getStatus().getContainerStatuses()), orEmpty(pod.getStatus().getEphemeralContainerStatuses()))) {
          for (ContainerStatus st : ss) {
            addIfSet(out, st.getImageID());
            addIfSet(out, st.getImage());
          }
        }
      }
    }
    return out;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static void addIfSet(Set<String> out, String image) {
    if (image != null && !image.isBlank()) {
      out.add(image);
    }
  }

  /** Stops watching and syncing; pods' containers keep running. */
  public Future<Void> stop() {
    if (services != null) {
      services.stop();
    }
    if (informer != null) {
      informer.stop();
    }
    if (workers != null) {
      workers.stop();
    }
    if (nodeAgent != null) {
      nodeAgent.stop();
    }
    for (ExecutorService e : new ExecutorService[] {podExecutor, nodeExecutor, eventExecutor}) {
      if (e != null) {
        e.shutdown();
      }
    }
    try {
      if (podExecutor != null) {
        podExecutor.awaitTermination(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the pods' parent cgroup goes when no pod is left under it (running pods keep it, for adoption)
    Cgroups.removeIfEmpty(cfg.cgroupParent());
    LOG.info("Kubelet stopped node={}", cfg.nodeName());
    return Future.succeededFuture();
  }

  /** What the kubelet's HTTP API reads: this kubelet's pods and their containers. */
  public PodContainers podContainers() {
    return workers;
  }

  public PodWorkers workers() {
    return workers;
  }

  public NodeAgent nodeAgent() {
    return nodeAgent;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
