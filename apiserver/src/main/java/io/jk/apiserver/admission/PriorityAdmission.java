package io.jk.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.resources.PriorityClassStrategy;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.rest.RestHandler;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' {@code Priority} admission plugin.
 *
 * <ul>
 *   <li>Pod create: {@code spec.priorityClassName} is resolved to {@code spec.priority} and
 *       {@code spec.preemptionPolicy} from the stored PriorityClasses; with no name, the
 *       {@code globalDefault} class applies (else priority 0). An unknown class, or a pod giving
 *       a priority or preemption policy that disagrees with its class, is refused with 403.
 *   <li>PriorityClass create and update: at most one {@code globalDefault} class (403 otherwise).
 *   <li>Dry-run creates ({@code dryRun=All}) are admitted exactly as real ones.
 *   <li>{@link #start()} creates the built-in {@code system-node-critical} and
 *       {@code system-cluster-critical} classes when missing.
 * </ul>
 *
 * <p>Classes are read from an in-memory copy kept by a store watch (as Kubernetes' plugin reads
 * an informer's lister), so a class is usable by pods a few milliseconds after it is stored.
 */
public final class PriorityAdmission implements RestHandler.WriteHooks {

  private static final Logger LOG = LoggerFactory.getLogger(PriorityAdmission.class);
  private static final String DEFAULT_PREEMPTION = "PreemptLowerPriority";

  private final Vertx vertx;
  private final Store store;
  private final ResourceType classes;
  private final Map<String, ObjectNode> byName = new ConcurrentHashMap<>();
  private volatile Watch watch;
  private volatile boolean closed;

  /**
   * Admission over {@code store}.
   *
   * @param classes the priorityclasses resource type (for keys)
   */
  public PriorityAdmission(Vertx vertx, Store store, ResourceType classes) {
    this.vertx = vertx;
    this.store = store;
    this.classes = classes;
  }

  /** Creates the built-in classes when missing, then loads and watches every class. */
  public Future<Void> start() {
    List<Future<?>> seeds = new ArrayList<>();
    PriorityClassStrategy.SYSTEM_CLASSES.forEach((name, value) -> seeds.add(seed(name, value)));
    return Future.all(seeds).compose(v -> sync());
  }

  /** Stops watching. */
  public void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  private Future<Void> seed(String name, long value) {
    ObjectNode o = io.jk.common.json.Json.mapper().createObjectNode();
    o.put("apiVersion", "scheduling.k8s.io/v1").put("kind", "PriorityClass");
    o.putObject("metadata").put("name", name).put("uid", UUID.randomUUID().toString())
        .put("creationTimestamp", Objects.now());
    o.put("value", value).put("globalDefault", false).put("preemptionPolicy", DEFAULT_PREEMPTION);
    o.put("description", name.equals("system-node-critical")
        ? "Used for system critical pods that must not be moved from their current node."
        : "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.");
    return store.create(classes.key(null, name), Objects.encode(o)).<Void>mapEmpty()
        .recover(e -> e instanceof StoreException.KeyExists ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** Lists every class, then watches from the list's revision; relists when the watch ends. */
  private Future<Void> sync() {
    return store.list(classes.keyPrefix(), null, 0, 0).map(list -> {
      Map<String, ObjectNode> now = new ConcurrentHashMap<>();
      for (KeyValue kv : list.items()) {
        ObjectNode pc = Objects.decode(kv);
        now.put(Objects.metaText(pc, "name"), pc);
      }
      byName.keySet().retainAll(now.keySet());
      byName.putAll(now);
      if (!closed) {
        watch = store.watch(classes.keyPrefix(), list.revision(), new WatchListener() {
          @Override
          public void onEvents(List<WatchEvent> events) {
            for (WatchEvent e : events) {
              ObjectNode pc = Objects.decode(e.kv());
              if (e.type() == WatchEvent.Type.DELETE) {
                byName.remove(Objects.metaText(pc, "name"));
              } else {
                byName.put(Objects.metaText(pc, "name"), pc);
              }
            }
          }

          @Override
          public void onError(Throwable error) {
            if (!closed) {
              LOG.info("PriorityClass watch ended, relisting err=\"{}\"", error.getMessage());
              vertx.setTimer(200, id -> sync().onFailure(e ->
                  LOG.warn("PriorityClass relist failed err=\"{}\"", e.getMessage())));
            }
          }
        });
      }
      return null;
    });
  }

  /** The class named {@code name}, if stored. */
  public Optional<ObjectNode> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  @Override
  public void beforeCreate(ResourceType type, ObjectNode obj) {
    if (isPod(type)) {
      admitPod(obj);
    } else if (isClass(type)) {
      checkSingleDefault(obj);
    }
  }

  /** The same as a real create: this plugin only reads the classes and fills the pod, it holds nothing. */
  @Override
  public void beforeDryRunCreate(ResourceType type, ObjectNode obj) {
    beforeCreate(type, obj);
  }

  @Override
  public void beforeUpdate(ResourceType type, ObjectNode obj, ObjectNode old) {
    if (isClass(type) && !old.path("globalDefault").asBoolean(false)) {
      checkSingleDefault(obj);
    }
  }

  private static boolean isPod(ResourceType type) {
    return type.group().isEmpty() && type.kind().equals("Pod");
  }

  private static boolean isClass(ResourceType type) {
    return type.group().equals("scheduling.k8s.io") && type.kind().equals("PriorityClass");
  }

  private void admitPod(ObjectNode pod) {
    ObjectNode spec = pod.with("spec");
    String podName = Objects.metaText(pod, "name");
    String className = spec.path("priorityClassName").asText("");
    long priority;
    String preemption;
    if (className.isEmpty()) {
      Optional<ObjectNode> dflt = globalDefault();
      priority = dflt.map(c -> c.path("value").asLong()).orElse(0L);
      preemption = dflt.map(c -> c.path("preemptionPolicy").asText(DEFAULT_PREEMPTION)).orElse(DEFAULT_PREEMPTION);
      dflt.ifPresent(c -> spec.put("priorityClassName", Objects.metaText(c, "name")));
    } else {
      ObjectNode pc = byName.get(className);
      if (pc == null) {
        throw forbidden("pods", podName, "no PriorityClass with name " + className + " was found");
      }
      priority = pc.path("value").asLong();
      preemption = pc.path("preemptionPolicy").asText(DEFAULT_PREEMPTION);
    }
    JsonNode given = spec.get("priority");
    if (given != null && !given.isNull() && (!given.canConvertToLong() || given.asLong() != priority)) {
      throw forbidden("pods", podName, "the integer value of priority (" + given.asText() + ") must not be provided in "
          + "pod spec; priority admission controller computed " + priority + " from the given PriorityClass name");
    }
    JsonNode givenPolicy = spec.get("preemptionPolicy");
    if (givenPolicy != null && !givenPolicy.isNull() && !givenPolicy.asText().equals(preemption)) {
      throw forbidden("pods", podName, "the string value of PreemptionPolicy (" + givenPolicy.asText() + ") must not be "
          + "provided in pod spec; priority admission controller computed " + preemption
          + " from the given PriorityClass name");
    }
    spec.put("priority", priority);
    spec.put("preemptionPolicy", preemption);
  }

  /** The default class: of several (possible after concurrent writes), the lowest value, as Kubernetes. */
  private Optional<ObjectNode> globalDefault() {
    return byName.values().stream().filter(c -> c.path("globalDefault").asBoolean(false))
        .min((a, b) -> Long.compare(a.path("value").asLong(), b.path("value").asLong()));
  }

  private void checkSingleDefault(ObjectNode pc) {
    if (!pc.path("globalDefault").asBoolean(false)) {
      return;
    }
    String name = Objects.metaText(pc, "name");
    for (ObjectNode other : byName.values()) {
      String otherName = Objects.metaText(other, "name");
      if (!otherName.equals(name) && other.path("globalDefault").asBoolean(false)) {
        throw forbidden("priorityclasses.scheduling.k8s.io", name, "PriorityClass " + otherName
            + " is already marked as default. Only one default can exist");
      }
    }
  }

  private static ApiException forbidden(String resource, String name, String why) {
    return ApiException.forbidden(resource + " \"" + name + "\" is forbidden: " + why);
  }
}
