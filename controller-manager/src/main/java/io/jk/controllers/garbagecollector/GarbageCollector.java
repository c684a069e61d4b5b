package io.jk.controllers.garbagecollector;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.controllers.Informers;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes objects whose owners are gone and finishes owners' cascading deletions
 * ({@code pkg/controller/garbagecollector}), over the ownerReferences graph of the monitored
 * kinds.
 *
 * <ul>
 *   <li><b>Background</b>: the owner is removed at once; each dependent whose owners all no longer
 *       exist (checked live, by uid) is deleted. Dangling references beside a live owner are
 *       removed.
 *   <li><b>Foreground</b>: the owner keeps its {@code foregroundDeletion} finalizer while its
 *       dependents are deleted (with Foreground propagation themselves); once no dependent with
 *       {@code blockOwnerDeletion: true} remains, the finalizer is removed.
 *   <li><b>Orphan</b>: the owner's {@code orphan} finalizer makes the collector remove the owner's
 *       references from every dependent, then remove the finalizer.
 * </ul>
 *
 * <p>Keys are {@code Kind/namespace/name}.
 */
public final class GarbageCollector implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
  /** The finalizer for foreground cascading deletion. */
  public static final String FOREGROUND = "foregroundDeletion";
  /** The finalizer for orphaning deletion. */
  public static final String ORPHAN = "orphan";
  static final String OWNER_UID_INDEX = "ownerUid";

  private final KubernetesClient client;
  private final Map<String, Class<? extends HasMetadata>> kinds;
  private final Map<String, SharedIndexInformer<? extends HasMetadata>> informers = new LinkedHashMap<>();
  private final Controller controller;

  /**
   * A collector over the monitored {@code kinds} (kind name to model class), sharing {@code
   * informers} with the other controllers.
   */
  public GarbageCollector(KubernetesClient client, Informers informerFactory, Map<String, Class<? extends HasMetadata>> kinds, MeterRegistry registry, int workers) {
    this.client = client;
    this.kinds = Map.copyOf(kinds);
    Controller.Builder b = Controller.builder("garbagecollector", this, registry).workers(workers);
    for (Map.Entry<String, Class<? extends HasMetadata>> e : kinds.entrySet()) {
      register(b, e.getKey(), informerFactory.of(e.getValue()));
    }
    this.controller = b.build();
  }

  private <T extends HasMetadata> void register(Controller.Builder b, String kind, SharedIndexInformer<T> inf) {
    if (!inf.getIndexer().getIndexers().containsKey(OWNER_UID_INDEX)) {
      inf.addIndexers(Map.of(OWNER_UID_INDEX, o -> {
        List<String> uids = new ArrayList<>();
        if (o.getMetadata().getOwnerReferences() != null) {
          o.getMetadata().getOwnerReferences().forEach(r -> uids.add(r.getUid()));
        }
        return uids;
      }));
    }
    informers.put(kind, inf);
    b.watch(inf, new Controller.Handlers<T>() {
      @Override
      public void onAdd(Controller c, T obj) {
        if (hasOwners(obj) || obj.getMetadata().getDeletionTimestamp() != null) {
          c.enqueue(key(kind, obj));
        }
      }

      @Override
      public void onUpdate(Controller c, T oldObj, T newObj) {
        if (Objects.equals(oldObj.getMetadata().getResourceVersion(), newObj.getMetadata().getResourceVersion())) {
          return;
        }
        if (hasOwners(newObj) || newObj.getMetadata().getDeletionTimestamp() != null) {
          c.enqueue(key(kind, newObj));
        }
        if (newObj.getMetadata().getDeletionTimestamp() != null) {
          dependents(newObj.getMetadata().getUid()).forEach(c::enqueue);
        }
      }

      @Override
      public void onDelete(Controller c, T obj) {
        dependents(obj.getMetadata().getUid()).forEach(c::enqueue);
        // An owner waiting in foreground deletion may now be free to go.
        if (obj.getMetadata().getOwnerReferences() != null) {
          for (OwnerReference r : obj.getMetadata().getOwnerReferences()) {
            if (kinds.containsKey(r.getKind())) {
              c.enqueue(r.getKind() + "/" + nsPrefix(obj) + r.getName());
            }
          }
        }
      }
    });
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  private static boolean hasOwners(HasMetadata o) {
    return o.getMetadata().getOwnerReferences() != null && !o.getMetadata().getOwnerReferences().isEmpty();
  }

  private static String nsPrefix(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "" : ns + "/";
  }

  static String key(String kind, HasMetadata o) {
    return kind + "/" + nsPrefix(o) + o.getMetadata().getName();
  }

  /** Keys of every cached object that references {@code ownerUid}. */
  private List<String> dependents(String ownerUid) {
    List<String> out = new ArrayList<>();
    informers.forEach((kind, inf) -> {
      for (HasMetadata o : inf.getIndexer().byIndex(OWNER_UID_INDEX, ownerUid)) {
        out.add(key(kind, o));
      }
    });
    return out;
  }

  private List<Map.Entry<String, HasMetadata>> dependentObjects(String ownerUid) {
    List<Map.Entry<String, HasMetadata>> out = new ArrayList<>();
    informers.forEach((kind, inf) -> {
      for (HasMetadata o : inf.getIndexer().byIndex(OWNER_UID_INDEX, ownerUid)) {
        out.add(Map.entry(kind, o));
      }
    });
    return out;
  }

  @Override
  public Result reconcile(String key) {
    int slash = key.indexOf('/');
    String kind = key.substring(0, slash);
    String objKey = key.substring(slash + 1);
    SharedIndexInformer<? extends HasMetadata> inf = informers.get(kind);
    if (inf == null) {
      return Result.done();
    }
    HasMetadata obj = inf.getStore().getByKey(objKey);
    if (obj == null) {
      return Result.done();
    }
    List<String> finalizers = obj.getMetadata().getFinalizers() == null ? List.of() : obj.getMetadata().getFinalizers();
    if (obj.getMetadata().getDeletionTimestamp() != null) {
      if (finalizers.contains(ORPHAN)) {
        orphanDependents(kind, obj);
        return Result.done();
      }
      if (finalizers.contains(FOREGROUND)) {
        return foreground(kind, obj);
      }
      return Result.done();
    }
    if (hasOwners(obj)) {
      attemptToDelete(kind, obj);
    }
    return Result.done();
  }

  /** Deletes {@code obj} if none of its owners exists; drops references to owners that are gone. */
  private void attemptToDelete(String kind, HasMetadata obj) {
    List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
    List<OwnerReference> dangling = new ArrayList<>();
    List<HasMetadata> liveOwners = new ArrayList<>();
    boolean unknown = false;
    for (OwnerReference r : refs) {
      Class<? extends HasMetadata> cls = kinds.get(r.getKind());
      if (cls == null) {
        unknown = true; // an owner kind we do not watch: never delete on its account
        continue;
      }
      HasMetadata owner = liveOwner(cls, obj.getMetadata().getNamespace(), r);
      if (owner == null) {
        dangling.add(r);
      } else {
        liveOwners.add(owner);
      }
    }
    if (dangling.isEmpty()) {
      // All owners exist. If every one of them is deleting in the foreground, follow them.
      boolean allForeground = !unknown && !liveOwners.isEmpty() && liveOwners.stream().allMatch(o ->
          o.getMetadata().getDeletionTimestamp() != null
              && o.getMetadata().getFinalizers() != null
              && o.getMetadata().getFinalizers().contains(FOREGROUND));
      if (allForeground) {
        delete(kind, obj, DeletionPropagation.FOREGROUND);
      }
      return;
    }
    if (liveOwners.isEmpty() && !unknown) {
      delete(kind, obj, DeletionPropagation.BACKGROUND);
      return;
    }
    // Some owners remain: remove only the references to owners that are gone.
    HasMetadata copy = copyOf(obj);
    List<OwnerReference> keep = new ArrayList<>(refs);
    keep.removeIf(r -> dangling.stream().anyMatch(d -> d.getUid().equals(r.getUid())));
    copy.getMetadata().setOwnerReferences(keep);
    update(kind, copy);
  }

  /**
   * The owner named by {@code ref} if it exists with that uid. The cache answers when it has the
   * owner (its deletion would requeue the dependents); an absence is confirmed by a live GET,
   * since the cache may not have seen a new owner yet.
   */
  private HasMetadata liveOwner(Class<? extends HasMetadata> cls, String ns, OwnerReference ref) {
    SharedIndexInformer<? extends HasMetadata> inf = informers.get(ref.getKind());
    if (inf != null) {
      HasMetadata cached = inf.getStore().getByKey(ns == null ? ref.getName() : ns + "/" + ref.getName());
      if (cached != null && ref.getUid().equals(cached.getMetadata().getUid())) {
        return cached;
      }
    }
    HasMetadata o;
    try {
      o = ns == null ? client.resources(cls).withName(ref.getName()).get() : client.resources(cls).inNamespace(ns).withName(ref.getName()).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
    if (o == null || !ref.getUid().equals(o.getMetadata().getUid())) {
      return null;
    }
    return o;
  }

  private Result foreground(String kind, HasMetadata owner) {
    List<Map.Entry<String, HasMetadata>> deps = dependentObjects(owner.getMetadata().getUid());
    boolean blocking = false;
    for (Map.Entry<String, HasMetadata> d : deps) {
      HasMetadata dep = d.getValue();
      OwnerReference ref = dep.getMetadata().getOwnerReferences().stream()
          .filter(r -> owner.getMetadata().getUid().equals(r.getUid())).findFirst().orElse(null);
      if (ref == null) {
        continue;
      }
      if (Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
        blocking = true;
      }
      if (dep.getMetadata().getDeletionTimestamp() == null) {
        delete(d.getKey(), dep, DeletionPropagation.FOREGROUND);
      }
    }
    if (!blocking) {
      removeFinalizer(kind, owner, FOREGROUND);
    }
    return Result.done();
  }

  private void orphanDependents(String kind, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    for (Map.Entry<String, HasMetadata> d : dependentObjects(uid)) {
      HasMetadata copy = copyOf(d.getValue());
      List<OwnerReference> keep = new ArrayList<>(copy.getMetadata().getOwnerReferences());
      keep.removeIf(r -> uid.equals(r.getUid()));
      copy.getMetadata().setOwnerReferences(keep);
      update(d.getKey(), copy);
    }
    removeFinalizer(kind, owner, ORPHAN);
    LOG.info("Orphaned dependents owner={}/{}{}", kind, nsPrefix(owner), owner.getMetadata().getName());
  }

  private void removeFinalizer(String kind, HasMetadata obj, String finalizer) {
    HasMetadata copy = copyOf(obj);
    List<String> f = new ArrayList<>(copy.getMetadata().getFinalizers());
    f.remove(finalizer);
    copy.getMetadata().setFinalizers(f);
    update(kind, copy);
  }

  private void delete(String kind, HasMetadata obj, DeletionPropagation policy) {
    Class<? extends HasMetadata> cls = kinds.get(kind);
    try {
      var ops = obj.getMetadata().getNamespace() == null
          ? client.resources(cls).withName(obj.getMetadata().getName())
          : client.resources(cls).inNamespace(obj.getMetadata().getNamespace()).withName(obj.getMetadata().getName());
      ops.withPropagationPolicy(policy).delete();
      LOG.info("Deleted dependent object={}/{}{} propagation={}", kind, nsPrefix(obj), obj.getMetadata().getName(), policy);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void update(String kind, HasMetadata obj) {
    try {
      client.resource(obj).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static HasMetadata copyOf(HasMetadata o) {
    return io.jk.common.json.Json.mapper().convertValue(o, o.getClass());
  }

  /** The kinds collected by default. */
  public static Map<String, Class<? extends HasMetadata>> defaultKinds() {
    Map<String, Class<? extends HasMetadata>> m = new HashMap<>();
    m.put("Pod", io.fabric8.kubernetes.api.model.Pod.class);
    m.put("ReplicaSet", io.fabric8.kubernetes.api.model.apps.ReplicaSet.class);
    m.put("Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class);
    m.put("Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class);
    m.put("DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class);
    m.put("StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class);
    m.put("ControllerRevision", io.fabric8.kubernetes.api.model.apps.ControllerRevision.class);
    return m;
  }
}
