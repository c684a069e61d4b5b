package io.jk.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.selection.LabelSelector;
import io.jk.apiserver.selection.SelectorException;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cluster's RBAC policy in shape, inside the API server:
 * <ul>
 *   <li>{@link #reconcileBootstrap()}: creates the missing {@link BootstrapPolicy} objects and,
 *       where {@code rbac.authorization.kubernetes.io/autoupdate} is {@code "true"}, adds back
 *       the rules, aggregation rule and subjects an existing one lacks (what was added by hand
 *       stays), as kube-apiserver's RBAC post-start hook;
 *   <li>ClusterRole aggregation: a ClusterRole with an {@code aggregationRule} gets the rules of
 *       every other ClusterRole one of its {@code clusterRoleSelectors} matches (by name order,
 *       without duplicates), recomputed shortly after any ClusterRole changes, as Kubernetes'
 *       clusterrole-aggregation controller.
 * </ul>
 */
public final class PolicyReconciler {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReconciler.class);
  private static final long AGGREGATION_DELAY_MS = 20;

  private final Store store;
  private final Vertx vertx;
  private final RbacIndex index;
  private final AtomicBoolean aggregationPending = new AtomicBoolean();
  private volatile boolean closed;

  /** A reconciler writing to {@code store} and reading ClusterRoles from {@code index}. */
  public PolicyReconciler(Store store, Vertx vertx, RbacIndex index) {
    this.store = store;
    this.vertx = vertx;
    this.index = index;
  }

  /** Follows ClusterRole changes and aggregates (call once, before the index starts). */
  public void startAggregation() {
    index.onClusterRolesChanged(this::scheduleAggregation);
  }

  /** Stops aggregating. */
  public void close() {
    closed = true;
  }

  /** Creates or completes the bootstrap ClusterRoles and ClusterRoleBindings. */
  public Future<Void> reconcileBootstrap() {
    List<Future<Void>> steps = new ArrayList<>();
    for (ObjectNode role : BootstrapPolicy.clusterRoles()) {
      steps.add(ensure("clusterroles", role, PolicyReconciler::completeRole));
    }
    for (ObjectNode binding : BootstrapPolicy.clusterRoleBindings()) {
      steps.add(ensure("clusterrolebindings", binding, PolicyReconciler::completeBinding));
    }
    return Future.all(steps).mapEmpty();
  }

  /** Creates {@code wanted}, or updates the stored one by {@code complete(stored, wanted)} when autoupdate is on. */
  private Future<Void> ensure(String resource, ObjectNode wanted, Completion complete) {
    String name = wanted.path("metadata").path("name").asText();
    String key = RbacIndex.PREFIX + resource + "/" + name;
    return store.get(key).compose(kv -> {
      if (kv == null) {
        ObjectNode created = wanted.deepCopy();
        Objects.meta(created).put("uid", java.util.UUID.randomUUID().toString()).put("creationTimestamp", Objects.now());
        return store.create(key, Objects.encode(created)).<Void>mapEmpty()
            .recover(e -> e instanceof StoreException.KeyExists ? ensure(resource, wanted, complete) : Future.failedFuture(e));
      }
      ObjectNode stored = Objects.decode(kv);
      if (!"true".equals(stored.path("metadata").path("annotations").path(BootstrapPolicy.AUTOUPDATE).asText(""))) {
        return Future.succeededFuture();
      }
      ObjectNode updated = complete.apply(stored.deepCopy(), wanted);
      if (updated.equals(stored)) {
        return Future.succeededFuture();
      }
      LOG.info("Reconciled bootstrap RBAC object resource={} name={}", resource, name);
      return store.update(key, Objects.encode(updated), kv.modRevision()).<Void>mapEmpty()
          .recover(e -> e instanceof StoreException.Conflict ? ensure(resource, wanted, complete) : Future.failedFuture(e));
    });
  }

  /** How a stored bootstrap object is completed from the wanted one. */
  private interface Completion {
    ObjectNode apply(ObjectNode stored, ObjectNode wanted);
  }

  private static ObjectNode completeRole(ObjectNode stored, ObjectNode wanted) {
    addMissing(stored, wanted, "rules");
    if (!stored.has("aggregationRule") && wanted.has("aggregationRule")) {
      stored.set("aggregationRule", wanted.get("aggregationRule"));
    }
    ObjectNode labels = Objects.meta(stored).with("labels");
    wanted.path("metadata").path("labels").fields().forEachRemaining(e -> {
      if (!labels.has(e.getKey())) {
        labels.set(e.getKey(), e.getValue());
      }
    });
    return stored;
  }

  private static ObjectNode completeBinding(ObjectNode stored, ObjectNode wanted) {
    addMissing(stored, wanted, "subjects");
    return stored;
  }

  /** Appends to {@code stored.field} the entries of {@code wanted.field} it lacks. */
  private static void addMissing(ObjectNode stored, ObjectNode wanted, String field) {
    JsonNode have = stored.get(field);
    ArrayNode into = have instanceof ArrayNode a ? a : stored.putArray(field);
    for (JsonNode w : wanted.path(field)) {
      boolean present = false;
      for (JsonNode h : into) {
        present |= h.equals(w);
      }
      if (!present) {
        into.add(w);
      }
    }
  }

  private void scheduleAggregation() {
    if (!closed && aggregationPending.compareAndSet(false, true)) {
      vertx.setTimer(AGGREGATION_DELAY_MS, t -> {
        aggregationPending.set(false);
        aggregate();
      });
    }
  }

  /** Brings every aggregated ClusterRole's rules up to date with the roles it selects. */
  private void aggregate() {
    if (closed) {
      return;
    }
    List<RbacIndex.Role> all = new ArrayList<>(index.clusterRoles());
    all.sort(Comparator.comparing(RbacIndex.Role::name));
    for (RbacIndex.Role target : all) {
      if (target.aggregationRule() == null) {
        continue;
      }
      List<LabelSelector> selectors = new ArrayList<>();
      try {
        for (JsonNode s : target.aggregationRule().path("clusterRoleSelectors")) {
          selectors.add(LabelSelector.fromObject(s));
        }
      } catch (SelectorException e) {
        LOG.warn("Aggregation rule unreadable clusterRole={} err=\"{}\"", target.name(), e.getMessage());
        continue;
      }
      Set<PolicyRule> rules = new LinkedHashSet<>();
      for (RbacIndex.Role source : all) {
        if (!source.name().equals(target.name())
            && selectors.stream().anyMatch(s -> !s.isNothing() && s.matches(source.labels()))) {
          rules.addAll(source.rules());
        }
      }
      List<PolicyRule> wanted = List.copyOf(rules);
      if (!wanted.equals(target.rules())) {
        writeRules(target.name(), wanted);
      }
    }
  }

  private void writeRules(String name, List<PolicyRule> rules) {
    String key = RbacIndex.PREFIX + "clusterroles/" + name;
    store.get(key).compose(kv -> {
      if (kv == null) {
        return Future.succeededFuture();
      }
      ObjectNode role = Objects.decode(kv);
      ArrayNode array = role.putArray("rules");
      rules.forEach(r -> array.add(r.toJson()));
      return store.update(key, Objects.encode(role), kv.modRevision()).mapEmpty();
    }).onSuccess(v -> LOG.debug("Aggregated cluster role clusterRole={} rules={}", name, rules.size()))
        .onFailure(e -> {
          // a conflict means the role changed: that change schedules another pass
          if (!(e instanceof StoreException.Conflict)) {
            LOG.warn("Aggregation failed clusterRole={} err=\"{}\"", name, e.toString());
            vertx.setTimer(1000, t -> scheduleAggregation());
          }
        });
  }

}
