package io.jk.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.storage.KeyValue;
import io.jk.apiserver.storage.Store;
import io.jk.apiserver.storage.StoreException;
import io.jk.apiserver.storage.Watch;
import io.jk.apiserver.storage.WatchEvent;
import io.jk.apiserver.storage.WatchListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every Role, ClusterRole, RoleBinding and ClusterRoleBinding in memory, listed from the store
 * and kept current by one store watch on {@code /registry/rbac.authorization.k8s.io/}, so that
 * authorization never reads the store. Readers see each object whole (maps of immutable records).
 */
public final class RbacIndex implements WatchListener {

  private static final Logger LOG = LoggerFactory.getLogger(RbacIndex.class);
  /** Store key prefix of the RBAC API group. */
  public static final String PREFIX = "/registry/rbac.authorization.k8s.io/";

  /** A subject of a binding: {@code User}, {@code Group} or {@code ServiceAccount}. */
  public record Subject(String kind, String name, String namespace) {}

  /**
   * A binding of a role to subjects.
   *
   * @param namespace the binding's namespace; empty for a ClusterRoleBinding
   * @param roleKind {@code Role} or {@code ClusterRole}
   */
  public record Binding(String namespace, String name, String roleKind, String roleName, List<Subject> subjects) {}

  /**
   * A Role (namespace set) or ClusterRole (namespace empty).
   *
   * @param aggregationRule the ClusterRole's {@code aggregationRule}, or null
   */
  public record Role(String namespace, String name, Map<String, String> labels, List<PolicyRule> rules,
      JsonNode aggregationRule, long revision) {}

  private final Store store;
  private final Vertx vertx;
  private final Map<String, Role> clusterRoles = new ConcurrentHashMap<>();
  private final Map<String, Role> roles = new ConcurrentHashMap<>();
  private final Map<String, Binding> clusterRoleBindings = new ConcurrentHashMap<>();
  /** Namespace to (name to binding). */
  private final Map<String, Map<String, Binding>> roleBindings = new ConcurrentHashMap<>();
  private final List<Runnable> clusterRoleListeners = new CopyOnWriteArrayList<>();
  private volatile Watch watch;
  private volatile boolean closed;

  /** An index over {@code store} (started with {@link #start()}). */
  public RbacIndex(Store store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
  }

  /** Lists the RBAC objects, then follows their changes. */
  public Future<Void> start() {
    return store.list(PREFIX, null, 0, 0).map(res -> {
      // a relist replaces entries in place: readers never see the maps emptied (a spurious 403)
      java.util.Set<String> listed = new java.util.HashSet<>();
      for (KeyValue kv : res.items()) {
        put(kv);
        listed.add(kv.key().substring(PREFIX.length()));
      }
      clusterRoles.keySet().removeIf(name -> !listed.contains("clusterroles/" + name));
      roles.keySet().removeIf(id -> !listed.contains("roles/" + id));
      clusterRoleBindings.keySet().removeIf(name -> !listed.contains("clusterrolebindings/" + name));
      roleBindings.forEach((ns, byName) -> byName.keySet().removeIf(name ->
          !listed.contains("rolebindings/" + ns + "/" + name)));
      if (!closed) {
        watch = store.watch(PREFIX, res.revision(), this);
      }
      clusterRoleListeners.forEach(Runnable::run);
      return null;
    });
  }

  /** Runs {@code listener} (on the watch's thread, must not block) after ClusterRoles changed. */
  public void onClusterRolesChanged(Runnable listener) {
    clusterRoleListeners.add(listener);
  }

  /** Stops following the store. */
  public void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  /** The ClusterRole {@code name}, or null. */
  public Role clusterRole(String name) {
    return clusterRoles.get(name);
  }

  /** Every ClusterRole. */
  public Collection<Role> clusterRoles() {
    return List.copyOf(clusterRoles.values());
  }

  /** The Role {@code namespace/name}, or null. */
  public Role role(String namespace, String name) {
    return roles.get(namespace + "/" + name);
  }

  /** Every ClusterRoleBinding. */
  public Collection<Binding> clusterRoleBindings() {
    return clusterRoleBindings.values();
  }

  /** The RoleBindings of {@code namespace}. */
  public Collection<Binding> roleBindings(String namespace) {
    Map<String, Binding> inNamespace = roleBindings.get(namespace);
    return inNamespace == null ? List.of() : inNamespace.values();
  }

  /** The rules of the role a binding refers to; empty when the role does not exist. */
  public List<PolicyRule> rulesOf(Binding binding) {
    Role role = binding.roleKind().equals("ClusterRole") ? clusterRoles.get(binding.roleName())
        : binding.namespace().isEmpty() ? null : roles.get(binding.namespace() + "/" + binding.roleName());
    return role == null ? List.of() : role.rules();
  }

  @Override
  public void onEvents(List<WatchEvent> events) {
    boolean clusterRolesChanged = false;
    for (WatchEvent e : events) {
      String rest = e.kv().key().substring(PREFIX.length());
      clusterRolesChanged |= rest.startsWith("clusterroles/");
      if (e.type() == WatchEvent.Type.DELETE) {
        remove(rest);
      } else {
        put(e.kv());
      }
    }
    if (clusterRolesChanged) {
      clusterRoleListeners.forEach(Runnable::run);
    }
  }

  @Override
  public void onError(Throwable error) {
    if (closed) {
      return;
    }
    LOG.warn("RBAC index watch ended, relisting err=\"{}\"", error.toString());
    vertx.setTimer(error instanceof StoreException.Compacted ? 1 : 1000, t -> start().onFailure(e ->
        onError(e)));
  }

  private void remove(String rest) {
    String[] p = rest.split("/");
    switch (p[0]) {
      case "clusterroles" -> clusterRoles.remove(p[1]);
      case "clusterrolebindings" -> clusterRoleBindings.remove(p[1]);
      case "roles" -> roles.remove(p[1] + "/" + p[2]);
      case "rolebindings" -> {
        Map<String, Binding> ns = roleBindings.get(p[1]);
        if (ns != null) {
          ns.remove(p[2]);
        }
      }
      default -> { }
    }
  }

  private void put(KeyValue kv) {
    String[] p = kv.key().substring(PREFIX.length()).split("/");
    ObjectNode o;
    try {
      o = Objects.decode(kv);
    } catch (RuntimeException e) {
      LOG.warn("Unreadable RBAC object skipped key={} err=\"{}\"", kv.key(), e.toString());
      return;
    }
    switch (p[0]) {
      case "clusterroles" -> clusterRoles.put(p[1], role(o, "", p[1], kv.modRevision()));
      case "roles" -> roles.put(p[1] + "/" + p[2], role(o, p[1], p[2], kv.modRevision()));
      case "clusterrolebindings" -> clusterRoleBindings.put(p[1], binding(o, "", p[1]));
      case "rolebindings" -> roleBindings.computeIfAbsent(p[1], n -> new ConcurrentHashMap<>())
          .put(p[2], binding(o, p[1], p[2]));
      default -> { }
    }
  }

  private static Role role(ObjectNode o, String namespace, String name, long revision) {
    JsonNode aggregation = o.get("aggregationRule");
    return new Role(namespace, name, Objects.labels(o), PolicyRule.listOf(o.get("rules")),
        aggregation != null && aggregation.isObject() ? aggregation : null, revision);
  }

  private static Binding binding(ObjectNode o, String namespace, String name) {
    JsonNode ref = o.path("roleRef");
    List<Subject> subjects = new ArrayList<>();
    for (JsonNode s : o.path("subjects")) {
      subjects.add(new Subject(s.path("kind").asText(""), s.path("name").asText(""), s.path("namespace").asText("")));
    }
    return new Binding(namespace, name, ref.path("kind").asText(""), ref.path("name").asText(""), List.copyOf(subjects));
  }
}
