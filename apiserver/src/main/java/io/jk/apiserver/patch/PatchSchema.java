package io.jk.apiserver.patch;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What strategic merge patch and server-side apply need to know about a kind's structure: for
 * each field, the schema of its value and, for lists, how they merge. The tables come from the
 * {@code patchStrategy}/{@code patchMergeKey} tags of the Kubernetes Go types (core/v1, apps/v1,
 * batch/v1, meta/v1, ...).
 *
 * <p>A field the schema does not describe is a plain value: objects under it merge key by key
 * (like {@code labels} or {@code data}) and lists under it are atomic (replaced as a whole, like
 * {@code tolerations}, {@code args} and {@code command}).
 *
 * <p>{@link #forKind} returns {@link #NONE} for kinds it does not know (custom resources); with
 * it, {@link StrategicMergePatch} falls back to JSON merge patch semantics. Immutable.
 */
public final class PatchSchema {

  /** How a list field merges. */
  public enum ListType {
    /** Replaced as a whole (the default). */
    ATOMIC,
    /** List of objects merged item by item on {@link Field#mergeKey()}. */
    MAP,
    /** List of scalars merged as a set ({@code patchStrategy:"merge"} without a key). */
    SET
  }

  /**
   * A field's patch metadata.
   *
   * @param listType how the field merges when it is a list
   * @param mergeKey the key of items for {@link ListType#MAP}, else null
   * @param replace whether an object value is replaced instead of merged
   *     ({@code patchStrategy:"replace"})
   * @param retainKeys whether the field takes the {@code $retainKeys} directive
   *     ({@code patchStrategy:"retainKeys"}); informative, the directive is honoured anywhere
   * @param schema the schema of the value (of each item, for lists)
   */
  public record Field(ListType listType, String mergeKey, boolean replace, boolean retainKeys,
      PatchSchema schema) {}

  /** The schema of an unknown object: every object merges, every list is atomic. */
  public static final PatchSchema EMPTY = new PatchSchema(Map.of(), false);

  /** The marker for kinds without a strategic schema: strategic merge patch acts as merge patch. */
  public static final PatchSchema NONE = new PatchSchema(Map.of(), true);

  private static final Field PLAIN = new Field(ListType.ATOMIC, null, false, false, EMPTY);

  private final Map<String, Field> fields;
  private final boolean none;

  private PatchSchema(Map<String, Field> fields, boolean none) {
    this.fields = Map.copyOf(fields);
    this.none = none;
  }

  /** The metadata of {@code name}; a plain field (merged objects, atomic lists) if not described. */
  public Field field(String name) {
    return fields.getOrDefault(name, PLAIN);
  }

  /** Whether this is {@link #NONE}: no strategic schema, use merge patch semantics. */
  public boolean isNone() {
    return none;
  }

  /** The fields this schema describes. */
  public Map<String, Field> fields() {
    return fields;
  }

  /** A builder of an object's schema. */
  public static Builder object() {
    return new Builder();
  }

  /** Builds the schema of one object type. */
  public static final class Builder {
    private final Map<String, Field> fields = new LinkedHashMap<>();

    private Builder() {}

    /** A nested object with its own schema. */
    public Builder field(String name, PatchSchema schema) {
      fields.put(name, new Field(ListType.ATOMIC, null, false, false, schema));
      return this;
    }

    /** A nested object that takes {@code $retainKeys} (e.g. a Deployment's {@code strategy}). */
    public Builder retainKeys(String name, PatchSchema schema) {
      fields.put(name, new Field(ListType.ATOMIC, null, false, true, schema));
      return this;
    }

    /** A list of objects merged on {@code mergeKey}. */
    public Builder mapList(String name, String mergeKey) {
      return mapList(name, mergeKey, EMPTY);
    }

    /** A list of objects merged on {@code mergeKey}, items described by {@code items}. */
    public Builder mapList(String name, String mergeKey, PatchSchema items) {
      fields.put(name, new Field(ListType.MAP, mergeKey, false, false, items));
      return this;
    }

    /** A list of objects merged on {@code mergeKey} whose items take {@code $retainKeys}. */
    public Builder mapListRetainKeys(String name, String mergeKey) {
      fields.put(name, new Field(ListType.MAP, mergeKey, false, true, EMPTY));
      return this;
    }

    /** A list of scalars merged as a set (e.g. {@code finalizers}). */
    public Builder setList(String name) {
      fields.put(name, new Field(ListType.SET, null, false, false, EMPTY));
      return this;
    }

    /** The schema. */
    public PatchSchema build() {
      return new PatchSchema(fields, false);
    }
  }

  // ---- the tables of the kinds jk serves

  /** {@code metav1.ObjectMeta}. */
  public static final PatchSchema OBJECT_META = object()
      .mapList("ownerReferences", "uid")
      .setList("finalizers")
      .build();

  /** {@code core/v1.Container} (and ephemeral containers). */
  public static final PatchSchema CONTAINER = object()
      .mapList("ports", "containerPort")
      .mapList("env", "name")
      .mapList("volumeMounts", "mountPath")
      .mapList("volumeDevices", "devicePath")
      .build();

  /** {@code core/v1.PodSpec}. */
  public static final PatchSchema POD_SPEC = object()
      .mapListRetainKeys("volumes", "name")
      .mapList("initContainers", "name", CONTAINER)
      .mapList("containers", "name", CONTAINER)
      .mapList("ephemeralContainers", "name", CONTAINER)
      .mapList("imagePullSecrets", "name")
      .mapList("hostAliases", "ip")
      .mapList("topologySpreadConstraints", "topologyKey")
      .mapList("schedulingGates", "name")
      .mapList("resourceClaims", "name")
      .build();

  private static final PatchSchema CONDITIONS = object().mapList("conditions", "type").build();

  /** {@code core/v1.PodStatus}. */
  public static final PatchSchema POD_STATUS = object()
      .mapList("conditions", "type")
      .mapList("podIPs", "ip")
      .mapList("hostIPs", "ip")
      .mapList("resourceClaimStatuses", "name")
      .build();

  /** {@code core/v1.PodTemplateSpec}. */
  public static final PatchSchema POD_TEMPLATE_SPEC = object()
      .field("metadata", OBJECT_META)
      .field("spec", POD_SPEC)
      .build();

  private static PatchSchema kind(PatchSchema spec, PatchSchema status) {
    return object().field("metadata", OBJECT_META).field("spec", spec).field("status", status)
        .build();
  }

  private static PatchSchema workloadSpec() {
    return object().field("template", POD_TEMPLATE_SPEC).build();
  }

  /** Kinds that only carry {@code metadata} lists (ConfigMap, Secret, Lease, ...). */
  private static final PatchSchema BASE = object().field("metadata", OBJECT_META).build();

  private static final PatchSchema JOB_SPEC = workloadSpec();

  private static final Map<String, PatchSchema> KINDS = new HashMap<>();

  private static void register(String group, String kind, PatchSchema schema) {
    KINDS.put(group + "/" + kind, schema);
  }

  static {
    register("", "Pod", kind(POD_SPEC, POD_STATUS));
    register("", "PodTemplate", object().field("metadata", OBJECT_META)
        .field("template", POD_TEMPLATE_SPEC).build());
    register("", "ReplicationController", kind(workloadSpec(), CONDITIONS));
    register("", "Service", kind(object().mapList("ports", "port").build(), CONDITIONS));
    register("", "Node", kind(object().setList("podCIDRs").build(),
        object().mapList("conditions", "type").mapList("addresses", "type").build()));
    register("", "Namespace", kind(EMPTY, CONDITIONS));
    register("", "PersistentVolumeClaim", kind(EMPTY, CONDITIONS));
    register("", "ServiceAccount", object().field("metadata", OBJECT_META)
        .mapList("secrets", "name").build());
    for (String k : new String[] {"ConfigMap", "Secret", "Endpoints", "Event", "PersistentVolume",
        "ResourceQuota", "LimitRange", "Binding", "ComponentStatus"}) {
      register("", k, BASE);
    }
    for (String k : new String[] {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"}) {
      PatchSchema spec = k.equals("Deployment")
          ? object().field("template", POD_TEMPLATE_SPEC).retainKeys("strategy", EMPTY).build()
          : workloadSpec();
      register("apps", k, kind(spec, CONDITIONS));
    }
    register("apps", "ControllerRevision", BASE);
    register("batch", "Job", kind(JOB_SPEC, CONDITIONS));
    PatchSchema jobTemplate = object().field("metadata", OBJECT_META).field("spec", JOB_SPEC)
        .build();
    register("batch", "CronJob", kind(object().field("jobTemplate", jobTemplate).build(), EMPTY));
    register("discovery.k8s.io", "EndpointSlice", BASE);
    register("coordination.k8s.io", "Lease", BASE);
    register("events.k8s.io", "Event", BASE);
    register("policy", "PodDisruptionBudget", kind(EMPTY, CONDITIONS));
    register("policy", "Eviction", BASE);
    register("autoscaling", "Scale", BASE);
    register("autoscaling", "HorizontalPodAutoscaler", kind(EMPTY, CONDITIONS));
    for (String k : new String[] {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}) {
      register("rbac.authorization.k8s.io", k, BASE);
    }
    register("networking.k8s.io", "NetworkPolicy", BASE);
    register("networking.k8s.io", "Ingress", BASE);
    register("networking.k8s.io", "IngressClass", BASE);
    register("storage.k8s.io", "StorageClass", BASE);
    register("scheduling.k8s.io", "PriorityClass", BASE);
    register("certificates.k8s.io", "CertificateSigningRequest", BASE);
  }

  /** The kinds with a strategic schema, as {@code group/Kind} ({@code /Pod} for the core group). */
  static java.util.Set<String> registeredKinds() {
    return java.util.Collections.unmodifiableSet(KINDS.keySet());
  }

  /**
   * The schema of a built-in kind, e.g. {@code forKind("apps", "Deployment")} ({@code ""} is the
   * core group); {@link #NONE} for kinds without one (custom resources), for which strategic
   * merge patch behaves as JSON merge patch.
   */
  public static PatchSchema forKind(String group, String kind) {
    return KINDS.getOrDefault((group == null ? "" : group) + "/" + kind, NONE);
  }
}
