package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.AnnotationIntrospector;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplate;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.jk.common.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Strict field validation: the paths of fields in an object that its kind's schema does not
 * have (e.g. {@code spec.foo}, {@code spec.template.spec.containers[0].imagee}), for
 * {@code fieldValidation=Strict} (400 {@code strict decoding error: unknown field "spec.foo"}) and
 * {@code Warn}.
 *
 * <p>The schema is read once per Java type from the fabric8 model classes' Jackson metadata and
 * cached; a check is then one walk of the tree. Free-form values (maps of strings, quantities,
 * int-or-strings, raw extensions) are not descended into.
 */
public final class UnknownFields {

  private static final Map<String, Class<?>> KINDS = new HashMap<>();

  static {
    for (Class<?> c : List.of(Namespace.class, Pod.class, Node.class, Service.class, Endpoints.class, ConfigMap.class,
        Secret.class, io.fabric8.kubernetes.api.model.Event.class, ServiceAccount.class, PodTemplate.class,
        ReplicationController.class, LimitRange.class, ResourceQuota.class, PersistentVolume.class,
        PersistentVolumeClaim.class)) {
      KINDS.put("/v1/" + c.getSimpleName(), c);
    }
    for (Class<?> c : List.of(Deployment.class, ReplicaSet.class, DaemonSet.class, StatefulSet.class,
        ControllerRevision.class)) {
      KINDS.put("apps/v1/" + c.getSimpleName(), c);
    }
    KINDS.put("batch/v1/Job", Job.class);
    KINDS.put("batch/v1/CronJob", CronJob.class);
    KINDS.put("coordination.k8s.io/v1/Lease", Lease.class);
    KINDS.put("discovery.k8s.io/v1/EndpointSlice", EndpointSlice.class);
    KINDS.put("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    KINDS.put("autoscaling/v2/HorizontalPodAutoscaler",
        io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class);
    KINDS.put("autoscaling/v1/HorizontalPodAutoscaler",
        io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler.class);
    KINDS.put("events.k8s.io/v1/Event", io.fabric8.kubernetes.api.model.events.v1.Event.class);
    KINDS.put("scheduling.k8s.io/v1/PriorityClass", PriorityClass.class);
    for (Class<?> c : List.of(Role.class, ClusterRole.class, RoleBinding.class, ClusterRoleBinding.class)) {
      KINDS.put("rbac.authorization.k8s.io/v1/" + c.getSimpleName(), c);
    }
  }

  /** Known properties of one structured type; {@code null} for leaves (values not checked). */
  private static final Map<JavaType, Map<String, JavaType>> SCHEMAS = new ConcurrentHashMap<>();
  private static final Map<String, JavaType> LEAF = Collections.emptyMap();

  private UnknownFields() {}

  /** Whether the kind has a schema here (otherwise {@link #find} returns nothing). */
  public static boolean hasSchema(String group, String version, String kind) {
    return KINDS.containsKey(key(group, version, kind));
  }

  /**
   * The paths of fields of {@code obj} unknown to the schema of {@code group/version/kind}, in
   * document order; empty for valid objects and for kinds without a schema here.
   */
  public static List<String> find(String group, String version, String kind, JsonNode obj) {
    Class<?> c = modelClass(group, version, kind);
    if (c == null || obj == null || !obj.isObject()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    walk(Json.mapper().constructType(c), obj, "", out);
    return out;
  }

  /** The fabric8 model class of a kind, or {@code null} when it has no schema here. */
  static Class<?> modelClass(String group, String version, String kind) {
    return KINDS.get(key(group, version, kind));
  }

  /** Whether {@link #properties} of a type means "not structured here: any value". */
  static boolean isLeaf(Map<String, JavaType> properties) {
    return properties == LEAF;
  }

  private static String key(String group, String version, String kind) {
    String g = group == null || group.equals("core") ? "" : group;
    return g + "/" + version + "/" + kind;
  }

  private static void walk(JavaType type, JsonNode node, String path, List<String> out) {
    if (node == null || node.isNull()) {
      return;
    }
    if (type.isArrayType() || type.isCollectionLikeType()) {
      if (node.isArray()) {
        JavaType content = type.getContentType();
        for (int i = 0; i < node.size(); i++) {
          walk(content, node.get(i), path + "[" + i + "]", out);
        }
      }
      return;
    }
    if (type.isMapLikeType()) {
      if (node.isObject()) {
        JavaType content = type.getContentType();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          walk(content, e.getValue(), join(path, e.getKey()), out);
        }
      }
      return;
    }
    Map<String, JavaType> props = properties(type);
    if (props == LEAF || !node.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JavaType child = props.get(e.getKey());
      String p = join(path, e.getKey());
      if (child == null) {
        out.add(p);
      } else {
        walk(child, e.getValue(), p, out);
      }
    }
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** The known properties of a structured model type and their types (cached), or the leaf marker. */
  static Map<String, JavaType> properties(JavaType type) {
    Map<String, JavaType> s = SCHEMAS.get(type);
    if (s == null) {
      s = introspect(type);
      SCHEMAS.putIfAbsent(type, s);
    }
    return s;
  }

  private static Map<String, JavaType> introspect(JavaType type) {
    Class<?> raw = type.getRawClass();
    if (!raw.getName().startsWith("io.fabric8.kubernetes.api.model.") || raw.isEnum() || raw == IntOrString.class
        || raw == Quantity.class || raw.isInterface()) {
      return LEAF;
    }
    DeserializationConfig cfg = Json.mapper().getDeserializationConfig();
    BeanDescription desc = cfg.introspect(type);
    AnnotationIntrospector ai = cfg.getAnnotationIntrospector();
    Object custom = ai.findDeserializer(desc.getClassInfo());
    if (custom instanceof Class<?> cls && cls != JsonDeserializer.None.class) {
      return LEAF;
    }
    Map<String, JavaType> props = new HashMap<>();
    for (BeanPropertyDefinition p : desc.findProperties()) {
      if (p.hasSetter() || p.hasField() || p.hasConstructorParameter()) {
        props.put(p.getName(), p.getPrimaryType());
      }
    }
    return props.isEmpty() ? LEAF : Map.copyOf(props);
  }
}
