package io.jk.apiserver.protobuf;

import java.util.HashMap;
import java.util.Map;

/**
 * jk's table of the Kubernetes protobuf messages it can decode: for each message, its field
 * numbers with JSON name and type. Written from the field numbers of the public k8s.io/api and
 * k8s.io/apimachinery {@code generated.proto} files, in a compact notation:
 * {@code "<number> <jsonName> <type>"} separated by commas, where the type is {@code s}
 * (string), {@code b} (bool), {@code i32}, {@code i64}, {@code bytes} (base64 string),
 * {@code Time}, {@code MTime} (metav1.MicroTime), {@code Q} (resource.Quantity), {@code IOS} (intstr.IntOrString), {@code Raw}
 * (runtime.RawExtension), {@code map} (map&lt;string,string&gt;), {@code bmap}
 * (map&lt;string,bytes&gt;), {@code qmap} (map&lt;string,Quantity&gt;) or a message name; a
 * {@code *} before the type makes the field repeated and a {@code ^} before the name inlines
 * the nested message's fields into the parent (Go embedded structs).
 */
public final class Schema {

  /** The kind of value a field carries. */
  public enum Kind { STRING, BOOL, INT32, INT64, BYTES, TIME, MICRO_TIME, QUANTITY, INT_OR_STRING, RAW, MAP, BYTES_MAP, QUANTITY_MAP, MESSAGE }

  /** One field of a message: JSON name, value kind, message name for nested messages. */
  public record Field(String name, Kind kind, String message, boolean repeated, boolean inline) {
  }

  private static final Map<String, Map<Integer, Field>> MESSAGES = new HashMap<>();
  /** Top-level kinds by "group/Kind" (group empty for the core group). */
  private static final Map<String, String> KINDS = new HashMap<>();

  private Schema() {
  }

  /** The fields of a message by number, or null when jk has no schema for it. */
  public static Map<Integer, Field> message(String name) {
    return MESSAGES.get(name);
  }

  /**
   * The message name of a top-level object of the given apiVersion and kind, or null when jk
   * has no schema for it.
   */
  public static String rootMessage(String apiVersion, String kind) {
    int slash = apiVersion == null ? -1 : apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String m = KINDS.get(group + "/" + kind);
    return m != null ? m : KINDS.get("*/" + kind);
  }

  private static void def(String name, String fields) {
    Map<Integer, Field> m = new HashMap<>();
    for (String f : fields.split(",")) {
      String[] p = f.trim().split("\\s+");
      if (p.length != 3) {
        throw new IllegalStateException("bad schema entry " + name + ": " + f);
      }
      int num = Integer.parseInt(p[0]);
      boolean inline = p[1].startsWith("^");
      String json = inline ? p[1].substring(1) : p[1];
      boolean repeated = p[2].startsWith("*");
      String t = repeated ? p[2].substring(1) : p[2];
      Kind k = switch (t) {
        case "s" -> Kind.STRING;
        case "b" -> Kind.BOOL;
        case "i32" -> Kind.INT32;
        case "i64" -> Kind.INT64;
        case "bytes" -> Kind.BYTES;
        case "Time" -> Kind.TIME;
        case "MTime" -> Kind.MICRO_TIME;
        case "Q" -> Kind.QUANTITY;
        case "IOS" -> Kind.INT_OR_STRING;
        case "Raw" -> Kind.RAW;
        case "map" -> Kind.MAP;
        case "bmap" -> Kind.BYTES_MAP;
        case "qmap" -> Kind.QUANTITY_MAP;
        default -> Kind.MESSAGE;
      };
      if (m.put(num, new Field(json, k, k == Kind.MESSAGE ? t : null, repeated, inline)) != null) {
        throw new IllegalStateException("duplicate field " + num + " in " + name);
      }
    }
    MESSAGES.put(name, m);
  }

  private static void kind(String group, String kind, String message) {
    KINDS.put(group + "/" + kind, message);
  }

  static {
    // ---- meta/v1 ----
    def("ObjectMeta", "1 name s, 2 generateName s, 3 namespace s, 4 selfLink s, 5 uid s, 6 resourceVersion s,"
        + " 7 generation i64, 8 creationTimestamp Time, 9 deletionTimestamp Time, 10 deletionGracePeriodSeconds i64,"
        + " 11 labels map, 12 annotations map, 13 ownerReferences *OwnerReference, 14 finalizers *s");
    def("OwnerReference", "1 kind s, 3 name s, 4 uid s, 5 apiVersion s, 6 controller b, 7 blockOwnerDeletion b");
    def("LabelSelector", "1 matchLabels map, 2 matchExpressions *LabelSelectorRequirement");
    def("LabelSelectorRequirement", "1 key s, 2 operator s, 3 values *s");
    def("DeleteOptions", "1 gracePeriodSeconds i64, 2 preconditions Preconditions, 3 orphanDependents b,"
        + " 4 propagationPolicy s, 5 dryRun *s, 6 ignoreStoreReadErrorWithClusterBreakingPotential b");
    def("Preconditions", "1 uid s, 2 resourceVersion s");
    kind("*", "DeleteOptions", "DeleteOptions");

    // ---- core/v1: simple kinds ----
    def("Namespace", "1 metadata ObjectMeta, 2 spec NamespaceSpec, 3 status NamespaceStatus");
    def("NamespaceSpec", "1 finalizers *s");
    def("NamespaceStatus", "1 phase s");
    kind("", "Namespace", "Namespace");
    def("ConfigMap", "1 metadata ObjectMeta, 2 data map, 3 binaryData bmap, 4 immutable b");
    kind("", "ConfigMap", "ConfigMap");
    def("Secret", "1 metadata ObjectMeta, 2 data bmap, 3 type s, 4 stringData map, 5 immutable b");
    kind("", "Secret", "Secret");
    def("ServiceAccount", "1 metadata ObjectMeta, 2 secrets *ObjectReference, 3 imagePullSecrets *LocalObjectReference,"
        + " 4 automountServiceAccountToken b");
    kind("", "ServiceAccount", "ServiceAccount");
    def("ObjectReference", "1 kind s, 2 namespace s, 3 name s, 4 uid s, 5 apiVersion s, 6 resourceVersion s, 7 fieldPath s");
    def("LocalObjectReference", "1 name s");
    def("TypedLocalObjectReference", "1 apiGroup s, 2 kind s, 3 name s");
    def("TypedObjectReference", "1 apiGroup s, 2 kind s, 3 name s, 4 namespace s");
    def("Binding", "1 metadata ObjectMeta, 2 target ObjectReference");
    kind("", "Binding", "Binding");
    def("ResourceQuota", "1 metadata ObjectMeta, 2 spec ResourceQuotaSpec");
    def("ResourceQuotaSpec", "1 hard qmap, 2 scopes *s, 3 scopeSelector ScopeSelector");
    def("ScopeSelector", "1 matchExpressions *ScopedResourceSelectorRequirement");
    def("ScopedResourceSelectorRequirement", "1 scopeName s, 2 operator s, 3 values *s");
    kind("", "ResourceQuota", "ResourceQuota");

    // ---- core/v1: Service ----
    def("Service", "1 metadata ObjectMeta, 2 spec ServiceSpec");
    def("ServiceSpec", "1 ports *ServicePort, 2 selector map, 3 clusterIP s, 4 type s, 5 externalIPs *s, 7 sessionAffinity s,"
        + " 8 loadBalancerIP s, 9 loadBalancerSourceRanges *s, 10 externalName s, 11 externalTrafficPolicy s,"
        + " 12 healthCheckNodePort i32, 13 publishNotReadyAddresses b, 14 sessionAffinityConfig SessionAffinityConfig,"
        + " 17 ipFamilyPolicy s, 18 clusterIPs *s, 19 ipFamilies *s, 20 allocateLoadBalancerNodePorts b,"
        + " 21 loadBalancerClass s, 22 internalTrafficPolicy s, 23 trafficDistribution s");
    def("ServicePort", "1 name s, 2 protocol s, 3 port i32, 4 targetPort IOS, 5 nodePort i32, 6 appProtocol s");
    def("SessionAffinityConfig", "1 clientIP ClientIPConfig");
    def("ClientIPConfig", "1 timeoutSeconds i32");
    kind("", "Service", "Service");

    // ---- core/v1: Pod ----
    def("Pod", "1 metadata ObjectMeta, 2 spec PodSpec");
    kind("", "Pod", "Pod");
    def("PodTemplateSpec", "1 metadata ObjectMeta, 2 spec PodSpec");
    def("PodSpec", "1 volumes *Volume, 2 containers *Container, 3 restartPolicy s, 4 terminationGracePeriodSeconds i64,"
        + " 5 activeDeadlineSeconds i64, 6 dnsPolicy s, 7 nodeSelector map, 8 serviceAccountName s, 9 serviceAccount s,"
        + " 10 nodeName s, 11 hostNetwork b, 12 hostPID b, 13 hostIPC b, 14 securityContext PodSecurityContext,"
        + " 15 imagePullSecrets *LocalObjectReference, 16 hostname s, 17 subdomain s, 18 affinity Affinity,"
        + " 19 schedulerName s, 20 initContainers *Container, 21 automountServiceAccountToken b,"
        + " 22 tolerations *Toleration, 23 hostAliases *HostAlias, 24 priorityClassName s, 25 priority i32,"
        + " 26 dnsConfig PodDNSConfig, 27 shareProcessNamespace b, 28 readinessGates *PodReadinessGate,"
        + " 29 runtimeClassName s, 30 enableServiceLinks b, 31 preemptionPolicy s, 32 overhead qmap,"
        + " 33 topologySpreadConstraints *TopologySpreadConstraint, 34 ephemeralContainers *EphemeralContainer,"
        + " 35 setHostnameAsFQDN b, 36 os PodOS, 37 hostUsers b, 38 schedulingGates *PodSchedulingGate,"
        + " 39 resourceClaims *PodResourceClaim, 40 resources ResourceRequirements, 41 hostnameOverride s");
    String container = "1 name s, 2 image s, 3 command *s, 4 args *s, 5 workingDir s, 6 ports *ContainerPort, 7 env *EnvVar,"
        + " 8 resources ResourceRequirements, 9 volumeMounts *VolumeMount, 10 livenessProbe Probe,"
        + " 11 readinessProbe Probe, 12 lifecycle Lifecycle, 13 terminationMessagePath s, 14 imagePullPolicy s,"
        + " 15 securityContext SecurityContext, 16 stdin b, 17 stdinOnce b, 18 tty b, 19 envFrom *EnvFromSource,"
        + " 20 terminationMessagePolicy s, 21 volumeDevices *VolumeDevice, 22 startupProbe Probe,"
        + " 23 resizePolicy *ContainerResizePolicy, 24 restartPolicy s";
    def("Container", container);
    def("EphemeralContainerCommon", container);
    def("EphemeralContainer", "1 ^ephemeralContainerCommon EphemeralContainerCommon, 2 targetContainerName s");
    def("ContainerPort", "1 name s, 2 hostPort i32, 3 containerPort i32, 4 protocol s, 5 hostIP s");
    def("ContainerResizePolicy", "1 resourceName s, 2 restartPolicy s");
    def("VolumeDevice", "1 name s, 2 devicePath s");
    def("EnvVar", "1 name s, 2 value s, 3 valueFrom EnvVarSource");
    def("EnvVarSource", "1 fieldRef ObjectFieldSelector, 2 resourceFieldRef ResourceFieldSelector,"
        + " 3 configMapKeyRef ConfigMapKeySelector, 4 secretKeyRef SecretKeySelector");
    def("ObjectFieldSelector", "1 apiVersion s, 2 fieldPath s");
    def("ResourceFieldSelector", "1 containerName s, 2 resource s, 3 divisor Q");
    def("ConfigMapKeySelector", "1 ^localObjectReference LocalObjectReference, 2 key s, 3 optional b");
    def("SecretKeySelector", "1 ^localObjectReference LocalObjectReference, 2 key s, 3 optional b");
    def("EnvFromSource", "1 prefix s, 2 configMapRef ConfigMapEnvSource, 3 secretRef SecretEnvSource");
    def("ConfigMapEnvSource", "1 ^localObjectReference LocalObjectReference, 2 optional b");
    def("SecretEnvSource", "1 ^localObjectReference LocalObjectReference, 2 optional b");
    def("ResourceRequirements", "1 limits qmap, 2 requests qmap, 3 claims *ResourceClaim");
    def("ResourceClaim", "1 name s, 2 request s");
    def("VolumeMount", "1 name s, 2 readOnly b, 3 mountPath s, 4 subPath s, 5 mountPropagation s, 6 subPathExpr s,"
        + " 7 recursiveReadOnly s");
    def("Probe", "1 ^handler ProbeHandler, 2 initialDelaySeconds i32, 3 timeoutSeconds i32, 4 periodSeconds i32,"
        + " 5 successThreshold i32, 6 failureThreshold i32, 7 terminationGracePeriodSeconds i64");
    def("ProbeHandler", "1 exec ExecAction, 2 httpGet HTTPGetAction, 3 tcpSocket TCPSocketAction, 4 grpc GRPCAction");
    def("ExecAction", "1 command *s");
    def("HTTPGetAction", "1 path s, 2 port IOS, 3 host s, 4 scheme s, 5 httpHeaders *HTTPHeader");
    def("HTTPHeader", "1 name s, 2 value s");
    def("TCPSocketAction", "1 port IOS, 2 host s");
    def("GRPCAction", "1 port i32, 2 service s");
    def("Lifecycle", "1 postStart LifecycleHandler, 2 preStop LifecycleHandler, 3 stopSignal s");
    def("LifecycleHandler", "1 exec ExecAction, 2 httpGet HTTPGetAction, 3 tcpSocket TCPSocketAction, 4 sleep SleepAction");
    def("SleepAction", "1 seconds i64");
    def("SecurityContext", "1 capabilities Capabilities, 2 privileged b, 3 seLinuxOptions SELinuxOptions, 4 runAsUser i64,"
        + " 5 runAsNonRoot b, 6 readOnlyRootFilesystem b, 7 allowPrivilegeEscalation b, 8 runAsGroup i64, 9 procMount s,"
        + " 10 windowsOptions WindowsSecurityContextOptions, 11 seccompProfile SeccompProfile,"
        + " 12 appArmorProfile AppArmorProfile");
    def("Capabilities", "1 add *s, 2 drop *s");
    def("SELinuxOptions", "1 user s, 2 role s, 3 type s, 4 level s");
    def("SeccompProfile", "1 type s, 2 localhostProfile s");
    def("AppArmorProfile", "1 type s, 2 localhostProfile s");
    def("WindowsSecurityContextOptions", "1 gmsaCredentialSpecName s, 2 gmsaCredentialSpec s, 3 runAsUserName s, 4 hostProcess b");
    def("PodSecurityContext", "1 seLinuxOptions SELinuxOptions, 2 runAsUser i64, 3 runAsNonRoot b, 4 supplementalGroups *i64,"
        + " 5 fsGroup i64, 6 runAsGroup i64, 7 sysctls *Sysctl, 8 windowsOptions WindowsSecurityContextOptions,"
        + " 9 fsGroupChangePolicy s, 10 seccompProfile SeccompProfile, 11 appArmorProfile AppArmorProfile,"
        + " 12 supplementalGroupsPolicy s, 13 seLinuxChangePolicy s");
    def("Sysctl", "1 name s, 2 value s");
    def("Toleration", "1 key s, 2 operator s, 3 value s, 4 effect s, 5 tolerationSeconds i64");
    def("HostAlias", "1 ip s, 2 hostnames *s");
    def("PodDNSConfig", "1 nameservers *s, 2 searches *s, 3 options *PodDNSConfigOption");
    def("PodDNSConfigOption", "1 name s, 2 value s");
    def("PodReadinessGate", "1 conditionType s");
    def("PodOS", "1 name s");
    def("PodSchedulingGate", "1 name s");
    def("PodResourceClaim", "1 name s, 3 resourceClaimName s, 4 resourceClaimTemplateName s");
    def("TopologySpreadConstraint", "1 maxSkew i32, 2 topologyKey s, 3 whenUnsatisfiable s, 4 labelSelector LabelSelector,"
        + " 5 minDomains i32, 6 nodeAffinityPolicy s, 7 nodeTaintsPolicy s, 8 matchLabelKeys *s");
    def("Affinity", "1 nodeAffinity NodeAffinity, 2 podAffinity PodAffinity, 3 podAntiAffinity PodAntiAffinity");
    def("NodeAffinity", "1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector,"
        + " 2 preferredDuringSchedulingIgnoredDuringExecution *PreferredSchedulingTerm");
    def("NodeSelector", "1 nodeSelectorTerms *NodeSelectorTerm");
    def("NodeSelectorTerm", "1 matchExpressions *NodeSelectorRequirement, 2 matchFields *NodeSelectorRequirement");
    def("NodeSelectorRequirement", "1 key s, 2 operator s, 3 values *s");
    def("PreferredSchedulingTerm", "1 weight i32, 2 preference NodeSelectorTerm");
    def("PodAffinity", "1 requiredDuringSchedulingIgnoredDuringExecution *PodAffinityTerm,"
        + " 2 preferredDuringSchedulingIgnoredDuringExecution *WeightedPodAffinityTerm");
    def("PodAntiAffinity", "1 requiredDuringSchedulingIgnoredDuringExecution *PodAffinityTerm,"
        + " 2 preferredDuringSchedulingIgnoredDuringExecution *WeightedPodAffinityTerm");
    def("PodAffinityTerm", "1 labelSelector LabelSelector, 2 namespaces *s, 3 topologyKey s, 4 namespaceSelector LabelSelector,"
        + " 5 matchLabelKeys *s, 6 mismatchLabelKeys *s");
    def("WeightedPodAffinityTerm", "1 weight i32, 2 podAffinityTerm PodAffinityTerm");

    // ---- core/v1: volumes ----
    def("Volume", "1 name s, 2 ^volumeSource VolumeSource");
    def("VolumeSource", "1 hostPath HostPathVolumeSource, 2 emptyDir EmptyDirVolumeSource, 6 secret SecretVolumeSource,"
        + " 7 nfs NFSVolumeSource, 10 persistentVolumeClaim PersistentVolumeClaimVolumeSource,"
        + " 16 downwardAPI DownwardAPIVolumeSource, 19 configMap ConfigMapVolumeSource, 26 projected ProjectedVolumeSource,"
        + " 29 ephemeral EphemeralVolumeSource, 30 image ImageVolumeSource");
    def("HostPathVolumeSource", "1 path s, 2 type s");
    def("EmptyDirVolumeSource", "1 medium s, 2 sizeLimit Q");
    def("SecretVolumeSource", "1 secretName s, 2 items *KeyToPath, 3 defaultMode i32, 4 optional b");
    def("ConfigMapVolumeSource", "1 ^localObjectReference LocalObjectReference, 2 items *KeyToPath, 3 defaultMode i32,"
        + " 4 optional b");
    def("KeyToPath", "1 key s, 2 path s, 3 mode i32");
    def("NFSVolumeSource", "1 server s, 2 path s, 3 readOnly b");
    def("PersistentVolumeClaimVolumeSource", "1 claimName s, 2 readOnly b");
    def("DownwardAPIVolumeSource", "1 items *DownwardAPIVolumeFile, 2 defaultMode i32");
    def("DownwardAPIVolumeFile", "1 path s, 2 fieldRef ObjectFieldSelector, 3 resourceFieldRef ResourceFieldSelector, 4 mode i32");
    def("ProjectedVolumeSource", "1 sources *VolumeProjection, 2 defaultMode i32");
    def("VolumeProjection", "1 secret SecretProjection, 2 downwardAPI DownwardAPIProjection, 3 configMap ConfigMapProjection,"
        + " 4 serviceAccountToken ServiceAccountTokenProjection");
    def("SecretProjection", "1 ^localObjectReference LocalObjectReference, 2 items *KeyToPath, 4 optional b");
    def("ConfigMapProjection", "1 ^localObjectReference LocalObjectReference, 2 items *KeyToPath, 4 optional b");
    def("DownwardAPIProjection", "1 items *DownwardAPIVolumeFile");
    def("ServiceAccountTokenProjection", "1 audience s, 2 expirationSeconds i64, 3 path s");
    def("EphemeralVolumeSource", "1 volumeClaimTemplate PersistentVolumeClaimTemplate");
    def("ImageVolumeSource", "1 reference s, 2 pullPolicy s");
    def("PersistentVolumeClaimTemplate", "1 metadata ObjectMeta, 2 spec PersistentVolumeClaimSpec");
    def("PersistentVolumeClaim", "1 metadata ObjectMeta, 2 spec PersistentVolumeClaimSpec");
    def("PersistentVolumeClaimSpec", "1 accessModes *s, 2 resources VolumeResourceRequirements, 3 volumeName s,"
        + " 4 selector LabelSelector, 5 storageClassName s, 6 volumeMode s, 7 dataSource TypedLocalObjectReference,"
        + " 8 dataSourceRef TypedObjectReference, 9 volumeAttributesClassName s");
    def("VolumeResourceRequirements", "1 limits qmap, 2 requests qmap");
    kind("", "PersistentVolumeClaim", "PersistentVolumeClaim");

    // ---- apps/v1 ----
    def("Deployment", "1 metadata ObjectMeta, 2 spec DeploymentSpec");
    def("DeploymentSpec", "1 replicas i32, 2 selector LabelSelector, 3 template PodTemplateSpec, 4 strategy DeploymentStrategy,"
        + " 5 minReadySeconds i32, 6 revisionHistoryLimit i32, 7 paused b, 9 progressDeadlineSeconds i32");
    def("DeploymentStrategy", "1 type s, 2 rollingUpdate RollingUpdateDeployment");
    def("RollingUpdateDeployment", "1 maxUnavailable IOS, 2 maxSurge IOS");
    kind("apps", "Deployment", "Deployment");
    def("ReplicaSet", "1 metadata ObjectMeta, 2 spec ReplicaSetSpec");
    def("ReplicaSetSpec", "1 replicas i32, 2 selector LabelSelector, 3 template PodTemplateSpec, 4 minReadySeconds i32");
    kind("apps", "ReplicaSet", "ReplicaSet");
    def("StatefulSet", "1 metadata ObjectMeta, 2 spec StatefulSetSpec");
    def("StatefulSetSpec", "1 replicas i32, 2 selector LabelSelector, 3 template PodTemplateSpec,"
        + " 4 volumeClaimTemplates *PersistentVolumeClaim, 5 serviceName s, 6 podManagementPolicy s,"
        + " 7 updateStrategy StatefulSetUpdateStrategy, 8 revisionHistoryLimit i32, 9 minReadySeconds i32,"
        + " 10 persistentVolumeClaimRetentionPolicy StatefulSetPersistentVolumeClaimRetentionPolicy,"
        + " 11 ordinals StatefulSetOrdinals");
    def("StatefulSetUpdateStrategy", "1 type s, 2 rollingUpdate RollingUpdateStatefulSetStrategy");
    def("RollingUpdateStatefulSetStrategy", "1 partition i32, 2 maxUnavailable IOS");
    def("StatefulSetPersistentVolumeClaimRetentionPolicy", "1 whenDeleted s, 2 whenScaled s");
    def("StatefulSetOrdinals", "1 start i32");
    kind("apps", "StatefulSet", "StatefulSet");
    def("DaemonSet", "1 metadata ObjectMeta, 2 spec DaemonSetSpec");
    def("DaemonSetSpec", "1 selector LabelSelector, 2 template PodTemplateSpec, 3 updateStrategy DaemonSetUpdateStrategy,"
        + " 4 minReadySeconds i32, 6 revisionHistoryLimit i32");
    def("DaemonSetUpdateStrategy", "1 type s, 2 rollingUpdate RollingUpdateDaemonSet");
    def("RollingUpdateDaemonSet", "1 maxUnavailable IOS, 2 maxSurge IOS");
    kind("apps", "DaemonSet", "DaemonSet");

    // ---- autoscaling/v1 Scale ----
    def("Scale", "1 metadata ObjectMeta, 2 spec ScaleSpec");
    def("ScaleSpec", "1 replicas i32");
    kind("autoscaling", "Scale", "Scale");
    // ---- autoscaling/v1 HorizontalPodAutoscaler (kubectl autoscale sends it as protobuf) ----
    def("HorizontalPodAutoscaler", "1 metadata ObjectMeta, 2 spec HorizontalPodAutoscalerSpec");
    def("HorizontalPodAutoscalerSpec", "1 scaleTargetRef CrossVersionObjectReference, 2 minReplicas i32,"
        + " 3 maxReplicas i32, 4 targetCPUUtilizationPercentage i32");
    def("CrossVersionObjectReference", "1 kind s, 2 name s, 3 apiVersion s");
    kind("autoscaling", "HorizontalPodAutoscaler", "HorizontalPodAutoscaler");

    // ---- batch/v1 ----
    def("Job", "1 metadata ObjectMeta, 2 spec JobSpec");
    def("JobSpec", "1 parallelism i32, 2 completions i32, 3 activeDeadlineSeconds i64, 4 selector LabelSelector,"
        + " 5 manualSelector b, 6 template PodTemplateSpec, 7 backoffLimit i32, 8 ttlSecondsAfterFinished i32,"
        + " 9 completionMode s, 10 suspend b, 11 podFailurePolicy PodFailurePolicy, 12 backoffLimitPerIndex i32,"
        + " 13 maxFailedIndexes i32, 14 podReplacementPolicy s, 15 managedBy s, 16 successPolicy SuccessPolicy");
    def("PodFailurePolicy", "1 rules *PodFailurePolicyRule");
    def("PodFailurePolicyRule", "1 action s, 2 onExitCodes PodFailurePolicyOnExitCodesRequirement,"
        + " 3 onPodConditions *PodFailurePolicyOnPodConditionsPattern");
    def("PodFailurePolicyOnExitCodesRequirement", "1 containerName s, 2 operator s, 3 values *i32");
    def("PodFailurePolicyOnPodConditionsPattern", "1 type s, 2 status s");
    def("SuccessPolicy", "1 rules *SuccessPolicyRule");
    def("SuccessPolicyRule", "1 succeededIndexes s, 2 succeededCount i32");
    kind("batch", "Job", "Job");
    def("CronJob", "1 metadata ObjectMeta, 2 spec CronJobSpec");
    def("CronJobSpec", "1 schedule s, 2 startingDeadlineSeconds i64, 3 concurrencyPolicy s, 4 suspend b,"
        + " 5 jobTemplate JobTemplateSpec, 6 successfulJobsHistoryLimit i32, 7 failedJobsHistoryLimit i32, 8 timeZone s");
    def("JobTemplateSpec", "1 metadata ObjectMeta, 2 spec JobSpec");
    kind("batch", "CronJob", "CronJob");

    // ---- policy/v1 ----
    def("PodDisruptionBudget", "1 metadata ObjectMeta, 2 spec PodDisruptionBudgetSpec");
    def("PodDisruptionBudgetSpec", "1 minAvailable IOS, 2 selector LabelSelector, 3 maxUnavailable IOS,"
        + " 4 unhealthyPodEvictionPolicy s");
    kind("policy", "PodDisruptionBudget", "PodDisruptionBudget");
    def("Eviction", "1 metadata ObjectMeta, 2 deleteOptions DeleteOptions");
    kind("policy", "Eviction", "Eviction");

    // ---- scheduling/v1 ----
    def("PriorityClass", "1 metadata ObjectMeta, 2 value i32, 3 globalDefault b, 4 description s, 5 preemptionPolicy s");
    kind("scheduling.k8s.io", "PriorityClass", "PriorityClass");

    // ---- rbac/v1 ----
    def("PolicyRule", "1 verbs *s, 2 apiGroups *s, 3 resources *s, 4 resourceNames *s, 5 nonResourceURLs *s");
    def("AggregationRule", "1 clusterRoleSelectors *LabelSelector");
    def("Role", "1 metadata ObjectMeta, 2 rules *PolicyRule");
    def("ClusterRole", "1 metadata ObjectMeta, 2 rules *PolicyRule, 3 aggregationRule AggregationRule");
    def("RoleBinding", "1 metadata ObjectMeta, 2 subjects *Subject, 3 roleRef RoleRef");
    def("ClusterRoleBinding", "1 metadata ObjectMeta, 2 subjects *Subject, 3 roleRef RoleRef");
    def("Subject", "1 kind s, 2 apiGroup s, 3 name s, 4 namespace s");
    def("RoleRef", "1 apiGroup s, 2 kind s, 3 name s");
    for (String k : new String[] {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}) {
      kind("rbac.authorization.k8s.io", k, k);
    }

    // ---- authorization/v1 (kubectl auth can-i sends its reviews as protobuf) ----
    def("ResourceAttributes", "1 namespace s, 2 verb s, 3 group s, 4 version s, 5 resource s, 6 subresource s,"
        + " 7 name s");
    def("NonResourceAttributes", "1 path s, 2 verb s");
    def("SubjectAccessReviewSpec", "1 resourceAttributes ResourceAttributes, 2 nonResourceAttributes"
        + " NonResourceAttributes, 3 user s, 4 groups *s, 6 uid s");
    def("SelfSubjectAccessReviewSpec", "1 resourceAttributes ResourceAttributes, 2 nonResourceAttributes"
        + " NonResourceAttributes");
    def("SelfSubjectRulesReviewSpec", "1 namespace s");
    def("SubjectAccessReview", "1 metadata ObjectMeta, 2 spec SubjectAccessReviewSpec");
    def("SelfSubjectAccessReview", "1 metadata ObjectMeta, 2 spec SelfSubjectAccessReviewSpec");
    def("SelfSubjectRulesReview", "1 metadata ObjectMeta, 2 spec SelfSubjectRulesReviewSpec");
    kind("authorization.k8s.io", "SubjectAccessReview", "SubjectAccessReview");
    kind("authorization.k8s.io", "LocalSubjectAccessReview", "SubjectAccessReview");
    kind("authorization.k8s.io", "SelfSubjectAccessReview", "SelfSubjectAccessReview");
    kind("authorization.k8s.io", "SelfSubjectRulesReview", "SelfSubjectRulesReview");

    // ---- networking/v1 ----
    def("Ingress", "1 metadata ObjectMeta, 2 spec IngressSpec");
    def("IngressSpec", "1 defaultBackend IngressBackend, 2 tls *IngressTLS, 3 rules *IngressRule, 4 ingressClassName s");
    def("IngressBackend", "3 resource TypedLocalObjectReference, 4 service IngressServiceBackend");
    def("IngressServiceBackend", "1 name s, 2 port ServiceBackendPort");
    def("ServiceBackendPort", "1 name s, 2 number i32");
    def("IngressTLS", "1 hosts *s, 2 secretName s");
    def("IngressRule", "1 host s, 2 ^ingressRuleValue IngressRuleValue");
    def("IngressRuleValue", "1 http HTTPIngressRuleValue");
    def("HTTPIngressRuleValue", "1 paths *HTTPIngressPath");
    def("HTTPIngressPath", "1 path s, 2 backend IngressBackend, 3 pathType s");
    kind("networking.k8s.io", "Ingress", "Ingress");

    // ---- what Go clients (client-go typed clients) send to the kinds jk serves ----
    def("Lease", "1 metadata ObjectMeta, 2 spec LeaseSpec");
    def("LeaseSpec", "1 holderIdentity s, 2 leaseDurationSeconds i32, 3 acquireTime MTime, 4 renewTime MTime,"
        + " 5 leaseTransitions i32, 6 strategy s, 7 preferredHolder s");
    kind("coordination.k8s.io", "Lease", "Lease");
    def("Event", "1 metadata ObjectMeta, 2 involvedObject ObjectReference, 3 reason s, 4 message s, 5 source EventSource,"
        + " 6 firstTimestamp Time, 7 lastTimestamp Time, 8 count i32, 9 type s, 10 eventTime MTime, 11 series EventSeries,"
        + " 12 action s, 13 related ObjectReference, 14 reportingComponent s, 15 reportingInstance s");
    def("EventSource", "1 component s, 2 host s");
    def("EventSeries", "1 count i32, 2 lastObservedTime MTime");
    kind("", "Event", "Event");
    def("EventsV1Event", "1 metadata ObjectMeta, 2 eventTime MTime, 3 series EventSeries, 4 reportingController s,"
        + " 5 reportingInstance s, 6 action s, 7 reason s, 8 regarding ObjectReference, 9 related ObjectReference,"
        + " 10 note s, 11 type s, 12 deprecatedSource EventSource, 13 deprecatedFirstTimestamp Time,"
        + " 14 deprecatedLastTimestamp Time, 15 deprecatedCount i32");
    kind("events.k8s.io", "Event", "EventsV1Event");
    def("Endpoints", "1 metadata ObjectMeta, 2 subsets *EndpointSubset");
    def("EndpointSubset", "1 addresses *EndpointAddress, 2 notReadyAddresses *EndpointAddress, 3 ports *EndpointPort");
    def("EndpointAddress", "1 ip s, 2 targetRef ObjectReference, 3 hostname s, 4 nodeName s");
    def("EndpointPort", "1 name s, 2 port i32, 3 protocol s, 4 appProtocol s");
    kind("", "Endpoints", "Endpoints");
    def("EndpointSlice", "1 metadata ObjectMeta, 2 endpoints *Endpoint, 3 ports *DiscoveryEndpointPort, 4 addressType s");
    def("Endpoint", "1 addresses *s, 2 conditions EndpointConditions, 3 hostname s, 4 targetRef ObjectReference,"
        + " 5 deprecatedTopology map, 6 nodeName s, 7 zone s, 8 hints EndpointHints");
    def("EndpointConditions", "1 ready b, 2 serving b, 3 terminating b");
    def("EndpointHints", "1 forZones *ForZone, 2 forNodes *ForZone");
    def("ForZone", "1 name s");
    def("DiscoveryEndpointPort", "1 name s, 2 protocol s, 3 port i32, 4 appProtocol s");
    kind("discovery.k8s.io", "EndpointSlice", "EndpointSlice");
  }
}
