package io.jk.common.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.workqueue.MaxOfRateLimiter;
import io.jk.common.workqueue.WorkQueue;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Reconciler}: informer handlers put keys on a rate-limited {@link WorkQueue},
 * and once every watched informer has synced, {@code workers} threads take keys and reconcile
 * them. A key is never reconciled by two workers at once. Success forgets the key's back-off; an
 * exception requeues it rate-limited; {@link Result#requeueAfter} queues it again later.
 */
public final class Controller {

  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final String name;
  private final Reconciler reconciler;
  private final int workers;
  private final WorkQueue<String> queue;
  private final List<SharedIndexInformer<?>> informers;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;

  private Controller(Builder b) {
    this.name = b.name;
    this.reconciler = b.reconciler;
    this.workers = b.workers;
    this.queue = new WorkQueue<>(b.name, MaxOfRateLimiter.defaultControllerRateLimiter(), b.registry);
    this.informers = List.copyOf(b.informers);
    b.handlers.forEach(h -> h.accept(this));
  }

  /** A builder for a controller named {@code name} (the work queue's metrics label). */
  public static Builder builder(String name, Reconciler reconciler, MeterRegistry registry) {
    return new Builder(name, reconciler, registry);
  }

  /** The controller's name. */
  public String name() {
    return name;
  }

  /** Queues {@code key} for reconciliation. */
  public void enqueue(String key) {
    if (key != null) {
      queue.add(key);
    }
  }

  /** Queues {@code key} after {@code delay}. */
  public void enqueueAfter(String key, Duration delay) {
    if (key != null) {
      queue.addAfter(key, delay);
    }
  }

  /** The work queue (for tests and metrics). */
  public WorkQueue<String> queue() {
    return queue;
  }

  /** Whether every informer this controller watches has synced. */
  public boolean hasSynced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /**
   * Starts the controller: one thread waits for the informers to sync, then starts the workers.
   * Returns at once.
   */
  public synchronized void start() {
    Thread starter =
        new Thread(
            () -> {
              try {
                while (!stopped && !hasSynced()) {
                  Thread.sleep(20); // informers expose no sync callback; poll cheaply
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
              if (stopped) {
                return;
              }
              LOG.info("Controller started controller={} workers={}", name, workers);
              synchronized (this) {
                for (int i = 0; i < workers && !stopped; i++) {
                  Thread t = new Thread(this::work, "ctrl-" + name + "-" + i);
                  t.setDaemon(true);
                  threads.add(t);
                  t.start();
                }
              }
            },
            "ctrl-" + name + "-start");
    starter.setDaemon(true);
    threads.add(starter);
    starter.start();
  }

  /** Stops the workers (a reconcile in progress finishes) and shuts the queue down. */
  public void stop() {
    List<Thread> toJoin;
    synchronized (this) {
      stopped = true;
      queue.shutDown();
      toJoin = new ArrayList<>(threads);
    }
    for (Thread t : toJoin) {
      t.interrupt();
    }
    for (Thread t : toJoin) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void work() {
    while (!stopped) {
      String key;
      try {
        key = queue.get();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      try {
        Result r = reconciler.reconcile(key);
        queue.forget(key);
        r.requeueAfter().ifPresent(d -> queue.addAfter(key, d));
      } catch (Exception e) {
        if (stopped) {
          return;
        }
        if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException kce && kce.getCode() == 409) {
          // A stale cache or a concurrent writer: expected now and then; retried with back-off.
          LOG.debug("Reconcile conflict controller={} key={}", name, key);
          queue.addRateLimited(key);
          continue;
        }
        LOG.warn("Reconcile failed controller={} key={} retries={} err=\"{}\"", name, key, queue.numRequeues(key), String.valueOf(e.getMessage()));
        LOG.debug("Reconcile failure detail controller={} key={}", name, key, e);
        queue.addRateLimited(key);
      } catch (Error e) {
        LOG.error("Reconcile crashed controller={} key={}", name, key, e);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  }

  /** The {@code namespace/name} (or {@code name}) key of an object. */
  public static String keyOf(HasMetadata obj) {
    String ns = obj.getMetadata().getNamespace();
    String n = obj.getMetadata().getName();
    return ns == null || ns.isEmpty() ? n : ns + "/" + n;
  }

  /** The namespace part of a key ({@code null} for cluster-scoped keys). */
  public static String namespaceOf(String key) {
    int i = key.indexOf('/');
    return i < 0 ? null : key.substring(0, i);
  }

  /** The name part of a key. */
  public static String nameOf(String key) {
    return key.substring(key.indexOf('/') + 1);
  }

  /** The key of {@code obj}'s controlling owner when it is of {@code kind}, else {@code null}. */
  public static String controllerOwnerKey(HasMetadata obj, String kind) {
    OwnerReference ref = controllerRef(obj);
    if (ref == null || !kind.equals(ref.getKind())) {
      return null;
    }
    String ns = obj.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? ref.getName() : ns + "/" + ref.getName();
  }

  /** The owner reference with {@code controller: true}, or {@code null}. */
  public static OwnerReference controllerRef(HasMetadata obj) {
    List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
    if (refs == null) {
      return null;
    }
    for (OwnerReference r : refs) {
      if (Boolean.TRUE.equals(r.getController())) {
        return r;
      }
    }
    return null;
  }

  /** Builds a {@link Controller}. */
  public static final class Builder {
    private final String name;
    private final Reconciler reconciler;
    private final MeterRegistry registry;
    private int workers = 1;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<java.util.function.Consumer<Controller>> handlers = new ArrayList<>();

    private Builder(String name, Reconciler reconciler, MeterRegistry registry) {
      this.name = Objects.requireNonNull(name, "name");
      this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** How many keys are reconciled in parallel (at least 1). */
    public Builder workers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("workers must be >= 1, got " + n);
      }
      this.workers = n;
      return this;
    }

    /** Enqueues each object's own key on every add, update and delete. */
    public <T extends HasMetadata> Builder watch(SharedIndexInformer<T> informer) {
      return watch(informer, o -> List.of(keyOf(o)));
    }

    /**
     * Enqueues the keys {@code keys} maps each added, updated (old and new version) or deleted
     * object to: e.g. a pod's owning ReplicaSet.
     */
    public <T extends HasMetadata> Builder watch(SharedIndexInformer<T> informer, Function<T, Collection<String>> keys) {
      return watch(informer, new Handlers<T>() {
        @Override
        public void onAdd(Controller c, T obj) {
          keys.apply(obj).forEach(c::enqueue);
        }

        @Override
        public void onUpdate(Controller c, T oldObj, T newObj) {
          keys.apply(oldObj).forEach(c::enqueue);
          keys.apply(newObj).forEach(c::enqueue);
        }

        @Override
        public void onDelete(Controller c, T obj) {
          keys.apply(obj).forEach(c::enqueue);
        }
      });
    }

    /** Registers full handlers (for controllers that lower expectations on events). */
    public <T extends HasMetadata> Builder watch(SharedIndexInformer<T> informer, Handlers<T> h) {
      informers.add(informer);
      handlers.add(
          c ->
              informer.addEventHandler(
                  new ResourceEventHandler<T>() {
                    @Override
                    public void onAdd(T obj) {
                      h.onAdd(c, obj);
                    }

                    @Override
                    public void onUpdate(T oldObj, T newObj) {
                      h.onUpdate(c, oldObj, newObj);
                    }

                    @Override
                    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                      h.onDelete(c, obj);
                    }
                  }));
      return this;
    }

    /** Builds the controller and registers its handlers on the informers. */
    public Controller build() {
      return new Controller(this);
    }
  }

  /**
   * Event handlers that receive the controller, so they can enqueue keys.
   *
   * @param <T> the informer's object type
   */
  public interface Handlers<T> {
    /** An object appeared (also for every object of the initial list). */
    void onAdd(Controller c, T obj);

    /** An object changed (also on every resync). */
    void onUpdate(Controller c, T oldObj, T newObj);

    /** An object was deleted. */
    void onDelete(Controller c, T obj);
  }
}
