package io.jk.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;
import io.jk.apiserver.registry.ResourceType;
import io.jk.apiserver.rest.Objects;
import io.jk.apiserver.rest.RestHandler;
import io.jk.apiserver.serviceaccount.CachedObjects;
import io.jk.apiserver.storage.Store;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;

/**
 * Kubernetes' {@code ServiceAccount} admission plugin, for pod creates:
 * <ul>
 *   <li>an empty {@code spec.serviceAccountName} becomes {@code default};
 *   <li>the service account must exist, else 403 {@code error looking up service account
 *       <ns>/<name>: serviceaccount "<name>" not found} (read from the cache, then from the store;
 *       {@code default}, which the controller-manager creates just after its namespace, is looked
 *       for ten times over about 1.5 s, as Kubernetes does);
 *   <li>unless {@code automountServiceAccountToken: false} on the pod (or, when the pod does not
 *       say, on its service account), a projected volume {@code kube-api-access-<5 random>}
 *       (token with {@code expirationSeconds: 3607}, {@code ca.crt} of the {@code kube-root-ca.crt}
 *       ConfigMap, the namespace from the downward API, {@code defaultMode: 420}) is added and
 *       mounted read-only at {@value #MOUNT_PATH} in every init container and container that has
 *       nothing mounted there yet. An existing {@code kube-api-access-*} volume is reused.
 * </ul>
 * Mirror pods (annotation {@code kubernetes.io/config.mirror}) are left alone.
 */
public final class ServiceAccountAdmission implements RestHandler.WriteHooks {

  /** Where the token, CA and namespace files appear in containers. */
  public static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
  /** Prefix of the generated volume's name. */
  public static final String VOLUME_PREFIX = "kube-api-access-";
  /** The ConfigMap with the cluster CA, in every namespace. */
  public static final String ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
  /** The token lifetime the volume asks for (the API server extends it for pod-bound tokens). */
  public static final long TOKEN_EXPIRATION_SECONDS = 3607;
  private static final String DEFAULT_ACCOUNT = "default";
  private static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
  private static final int DEFAULT_ACCOUNT_ATTEMPTS = 10;
  private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final CachedObjects cache;
  private final Store store;
  private final ResourceType serviceAccounts;

  /**
   * @param cache the API server's cache (read first)
   * @param store the store (read when the cache lacks the account)
   * @param serviceAccounts the serviceaccounts resource type (for keys)
   */
  public ServiceAccountAdmission(Vertx vertx, CachedObjects cache, Store store, ResourceType serviceAccounts) {
    this.vertx = vertx;
    this.cache = cache;
    this.store = store;
    this.serviceAccounts = serviceAccounts;
  }

  @Override
  public Future<Void> admitCreate(ResourceType type, ObjectNode obj) {
    if (!type.group().isEmpty() || !type.kind().equals("Pod")
        || obj.path("metadata").path("annotations").has(MIRROR_ANNOTATION)) {
      return Future.succeededFuture();
    }
    ObjectNode spec = obj.with("spec");
    String ns = Objects.metaText(obj, "namespace");
    String name = spec.path("serviceAccountName").asText("");
    if (name.isEmpty()) {
      name = spec.path("serviceAccount").asText("");
    }
    if (name.isEmpty()) {
      name = DEFAULT_ACCOUNT;
    }
    String account = name;
    spec.put("serviceAccountName", account);
    if (!spec.has("serviceAccount")) {
      spec.put("serviceAccount", account); // the deprecated alias, as Kubernetes shows it
    }
    String podName = Objects.metaText(obj, "name");
    return find(ns, account, account.equals(DEFAULT_ACCOUNT) ? DEFAULT_ACCOUNT_ATTEMPTS : 1).map(sa -> {
      if (sa == null) {
        throw ApiException.forbidden("pods \"" + podName + "\" is forbidden: error looking up service account "
            + ns + "/" + account + ": serviceaccount \"" + account + "\" not found");
      }
      if (shouldAutomount(spec, sa)) {
        mountToken(spec);
      }
      return null;
    });
  }

  /** The account from the cache, else the store, trying {@code attempts} times 100-200 ms apart. */
  private Future<ObjectNode> find(String ns, String name, int attempts) {
    ObjectNode cached = cache.find("serviceaccounts", ns, name);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.get(serviceAccounts.key(ns, name)).compose(kv -> {
      if (kv != null) {
        return Future.succeededFuture(Objects.decode(kv));
      }
      if (attempts <= 1) {
        return Future.succeededFuture(null);
      }
      Promise<ObjectNode> later = Promise.promise();
      vertx.setTimer(100 + RANDOM.nextInt(100), id -> find(ns, name, attempts - 1).onComplete(later));
      return later.future();
    });
  }

  /** The pod's {@code automountServiceAccountToken}, else the account's, else true. */
  static boolean shouldAutomount(JsonNode podSpec, JsonNode serviceAccount) {
    JsonNode pod = podSpec.path("automountServiceAccountToken");
    if (pod.isBoolean()) {
      return pod.asBoolean();
    }
    JsonNode sa = serviceAccount.path("automountServiceAccountToken");
    return !sa.isBoolean() || sa.asBoolean();
  }

  /** Adds the token volume and its mounts to a pod spec, as Kubernetes' plugin does. */
  static void mountToken(ObjectNode spec) {
    String volumeName = null;
    for (JsonNode v : spec.path("volumes")) {
      if (v.path("name").asText("").startsWith(VOLUME_PREFIX)) {
        volumeName = v.path("name").asText();
        break;
      }
    }
    boolean hasVolume = volumeName != null;
    if (!hasVolume) {
      StringBuilder b = new StringBuilder(VOLUME_PREFIX);
      for (int i = 0; i < 5; i++) {
        b.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
      }
      volumeName = b.toString();
    }
    boolean needed = false;
    for (String list : new String[] {"initContainers", "containers"}) {
      for (JsonNode c : spec.path(list)) {
        if (c instanceof ObjectNode container && !mountsAtTokenPath(container)) {
          container.withArray("volumeMounts").addObject().put("name", volumeName).put("readOnly", true)
              .put("mountPath", MOUNT_PATH);
          needed = true;
        }
      }
    }
    if (!hasVolume && needed) {
      spec.withArray("volumes").add(tokenVolume(volumeName));
    }
  }

  private static boolean mountsAtTokenPath(ObjectNode container) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (MOUNT_PATH.equals(m.path("mountPath").asText())) {
        return true;
      }
    }
    return false;
  }

  /** The projected volume Kubernetes adds, named {@code name}. */
  static ObjectNode tokenVolume(String name) {
    ObjectNode v = Json.mapper().createObjectNode();
    v.put("name", name);
    ObjectNode projected = v.putObject("projected");
    projected.put("defaultMode", 420);
    ArrayNode sources = projected.putArray("sources");
    sources.addObject().putObject("serviceAccountToken").put("expirationSeconds", TOKEN_EXPIRATION_SECONDS)
        .put("path", "token");
    ObjectNode cm = sources.addObject().putObject("configMap");
    cm.put("name", ROOT_CA_CONFIGMAP);
    cm.putArray("items").addObject().put("key", "ca.crt").put("path", "ca.crt");
    sources.addObject().putObject("downwardAPI").putArray("items").addObject().put("path", "namespace")
        .putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
    return v;
  }
}
