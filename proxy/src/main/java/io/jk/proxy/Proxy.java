package io.jk.proxy;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service proxy of one node: watches Services, EndpointSlices and Nodes and keeps the node's
 * {@code ip jk-proxy} nftables table and host-gw routes in step with them.
 *
 * <p>Every informer event only asks for a sync; syncs run on a worker thread, one at a time, at
 * most once per {@code minSyncPeriod} (events in between are batched into the next sync), and each
 * rewrites the whole table in one nft transaction from the informers' current caches (level
 * triggered: a missed event is repaired by the next sync). A failed sync is retried after the
 * period.
 */
public final class Proxy {
  private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);

  private final Vertx vertx;
  private final KubernetesClient client;
  private final ProxyOptions options;
  private final HostCommands host;
  private final NodeRoutes routes;
  private final Timer syncTimer;
  private final AtomicInteger rulesCount = new AtomicInteger();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Node> nodes;

  // Guarded by this.
  private boolean started;
  private boolean stopped;
  private boolean syncing;
  private boolean dirty;
  private long timerId = -1;
  private long lastSyncNanos;
  private volatile boolean lastSyncOk;
  private volatile long syncCount;
  /** The rules the table holds now, null when unknown (then the next sync rewrites the table). */
  private java.util.Map<String, ServicePortRule> applied;
  private volatile java.util.function.BiConsumer<List<ServicePortRule>, Long> syncListener = (r, t) -> { };

  /** A proxy for the node in {@code options}, recording metrics in {@code registry}. */
  public Proxy(Vertx vertx, KubernetesClient client, ProxyOptions options, MeterRegistry registry) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.host = new HostCommands(options.netns());
    this.routes = new NodeRoutes(host);
    this.syncTimer = Timer.builder("proxy.sync.proxy.rules.duration")
        .description("Time to compute and apply the proxy's nftables rules and routes")
        .publishPercentileHistogram().register(registry);
    registry.gauge("proxy.rules.count", rulesCount);
    registry.gauge("proxy.routes.count", routes, r -> r.installed().size());
  }

  /**
   * Starts the informers and completes after the first full sync has been applied (or failed:
   * the future then fails, and the proxy keeps retrying in the background).
   */
  public Future<Void> start() {
    return vertx.<Void>executeBlocking(() -> {
      ResourceEventHandler<Object> handler = new ResourceEventHandler<>() {
        @Override public void onAdd(Object obj) {
          requestSync();
        }

        @Override public void onUpdate(Object oldObj, Object newObj) {
          requestSync();
        }

        @Override public void onDelete(Object obj, boolean unknown) {
          requestSync();
        }
      };
      services = client.services().inAnyNamespace().runnableInformer(0);
      slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
      nodes = client.nodes().runnableInformer(0);
      services.addEventHandler(cast(handler));
      slices.addEventHandler(cast(handler));
      nodes.addEventHandler(cast(handler));
      informers.addAll(List.of(services, slices, nodes));
      for (SharedIndexInformer<?> i : informers) {
        i.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      return null;
    }, false).compose(v -> vertx.<Void>executeBlocking(() -> {
      synchronized (this) {
        started = true;
      }
      syncNow();
      if (!lastSyncOk) {
        throw new IllegalStateException("first proxy sync failed (see log)");
      }
      return null;
    }, false)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Proxy first sync failed err=\"{}\"", ar.cause().getMessage());
        requestSync();
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
  }

  /** Stops watching; the rules stay in place (as kube-proxy). */
  public Future<Void> stop() {
    synchronized (this) {
      stopped = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
      }
    }
    return vertx.<Void>executeBlocking(() -> {
      informers.forEach(SharedIndexInformer::close);
      return null;
    }, false);
  }

  /** True once a sync has applied and the last sync succeeded. */
  public boolean healthy() {
    return lastSyncOk;
  }

  /** Number of syncs applied so far (tests and benchmarks wait on it). */
  public long syncCount() {
    return syncCount;
  }

  /** Called after each applied sync with the rules applied and the time (nanoTime) they were; benchmarks use it. */
  void onSynced(java.util.function.BiConsumer<List<ServicePortRule>, Long> listener) {
    this.syncListener = listener;
  }

  /** The host-gw routes this proxy installed. */
  public NodeRoutes routes() {
    return routes;
  }

  /** Asks for a sync: runs now if the period since the last has passed, else when it has. */
  void requestSync() {
    synchronized (this) {
      if (!started || stopped) {
        return;
      }
      dirty = true;
      if (syncing || timerId >= 0) {
        return;
      }
      long waitMs = TimeUnit.NANOSECONDS.toMillis(
          lastSyncNanos + options.minSyncPeriod().toNanos() - System.nanoTime());
      timerId = vertx.setTimer(Math.max(1, waitMs), id -> {
        synchronized (this) {
          timerId = -1;
        }
        vertx.executeBlocking(() -> {
          syncNow();
          return null;
        }, false);
      });
    }
  }

  private void syncNow() {
    synchronized (this) {
      if (syncing || stopped) {
        return;
      }
      syncing = true;
      dirty = false;
    }
    long start = System.nanoTime();
    boolean ok = false;
    try {
      List<ServicePortRule> rules = ProxyModel.rules(services.getStore().list(), slices.getStore().list());
      java.util.Map<String, ServicePortRule> next = new java.util.HashMap<>();
      rules.forEach(r -> next.put(r.id(), r));
      long modelled = System.nanoTime();
      applyRules(next, rules);
      long applied = System.nanoTime();
      int count = RuleSet.countRules(rules, options.clusterCidr());
      rulesCount.set(count);
      int routeFailures = routes.sync(ProxyModel.routes(nodes.getStore().list(), options.nodeName()));
      ok = routeFailures == 0;
      syncCount++;
      syncListener.accept(rules, applied);
      LOG.debug("Proxy synced servicePorts={} rules={} modelMs={} applyMs={} tookMs={}", rules.size(), count,
          TimeUnit.NANOSECONDS.toMillis(modelled - start), TimeUnit.NANOSECONDS.toMillis(applied - modelled),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (Exception e) {
      LOG.warn("Proxy sync failed err=\"{}\"", e.getMessage());
    } finally {
      syncTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      lastSyncOk = ok;
      boolean again;
      synchronized (this) {
        syncing = false;
        lastSyncNanos = System.nanoTime();
        again = dirty || !ok;
        dirty = false;
      }
      if (again) {
        requestSync();
      }
    }
  }

  /**
   * Applies only the changes since the last applied rules (one transaction); the first sync, and
   * any sync after a failure, rewrites the whole table instead.
   */
  private void applyRules(java.util.Map<String, ServicePortRule> next, List<ServicePortRule> rules) throws java.io.IOException {
    java.util.Map<String, ServicePortRule> before = applied;
    applied = null;
    if (before != null) {
      RuleSet.Script changes = RuleSet.renderChanges(before, next, options.clusterCidr());
      try {
        if (changes != null) {
          long t = System.nanoTime();
          host.nft(changes.text());
          LOG.debug("Proxy incremental transaction lines={} nftMs={}", changes.text().lines().count(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        }
        applied = next;
        return;
      } catch (java.io.IOException e) {
        LOG.warn("Proxy incremental sync failed, rewriting the table err=\"{}\"", e.getMessage());
      }
    }
    host.nft(RuleSet.render(rules, options.clusterCidr()).text());
    applied = next;
  }

  /** Removes the proxy's table from the namespace {@code host} works in ({@code jk proxy --cleanup}). */
  public static void cleanup(HostCommands host) throws java.io.IOException {
    host.nft(RuleSet.cleanupScript());
    LOG.info("Proxy table removed table={}", RuleSet.TABLE);
  }
}
