package io.jk.apiserver.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.registry.FieldError;
import io.jk.apiserver.resources.support.Names;
import io.jk.apiserver.resources.support.Nodes;
import io.jk.apiserver.resources.support.Quantity;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Defaulting and validation of pod specs and pod templates, shared by Pods and every workload
 * kind (k8s {@code pkg/apis/core/v1/defaults.go} and {@code pkg/apis/core/validation}).
 */
public final class PodSpecs {

  static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
  private static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
  private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
  private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
  private static final List<String> TERMINATION_MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
  private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
  private static final List<String> PROBES = List.of("livenessProbe", "readinessProbe", "startupProbe");
  private static final List<String> PROBE_HANDLERS = List.of("exec", "httpGet", "tcpSocket", "grpc");
  private static final List<String> MODE_SOURCES = List.of("configMap", "secret", "downwardAPI", "projected");

  private PodSpecs() {}

  // ---- defaults ----------------------------------------------------------------------------

  /** Defaults of a pod template ({@code spec.template}) of a workload. */
  public static void defaultTemplate(ObjectNode template) {
    defaultSpec(Nodes.ensureObject(template, "spec"), false);
  }

  /**
   * Defaults of a pod spec as {@code SetDefaults_PodSpec} and the container, port, probe and
   * volume defaulters; {@code isPod} adds what only {@code SetDefaults_Pod} does (service links,
   * requests from limits, host ports on the host network).
   */
  public static void defaultSpec(ObjectNode spec, boolean isPod) {
    Nodes.defaultText(spec, "dnsPolicy", "ClusterFirst");
    Nodes.defaultText(spec, "restartPolicy", "Always");
    Nodes.ensureObject(spec, "securityContext");
    Nodes.defaultInt(spec, "terminationGracePeriodSeconds", 30);
    Nodes.defaultText(spec, "schedulerName", "default-scheduler");
    if (isPod) {
      Nodes.defaultBool(spec, "enableServiceLinks", true);
    }
    String sa = Nodes.text(spec, "serviceAccountName");
    String deprecatedSa = Nodes.text(spec, "serviceAccount");
    if ((sa == null || sa.isEmpty()) && deprecatedSa != null && !deprecatedSa.isEmpty()) {
      spec.put("serviceAccountName", deprecatedSa);
    } else if (sa != null && !sa.isEmpty() && (deprecatedSa == null || deprecatedSa.isEmpty())) {
      spec.put("serviceAccount", sa);
    }
    boolean hostNetwork = Nodes.isTrue(spec, "hostNetwork");
    for (String list : List.of("initContainers", "containers")) {
      for (ObjectNode c : Nodes.objects(spec, list)) {
        if (c != null) {
          defaultContainer(c, isPod, hostNetwork);
        }
      }
    }
    for (ObjectNode v : Nodes.objects(spec, "volumes")) {
      if (v != null) {
        defaultVolume(v);
      }
    }
  }

  private static void defaultContainer(ObjectNode c, boolean isPod, boolean hostNetwork) {
    String image = Nodes.text(c, "image");
    if (image != null && !Nodes.has(c, "imagePullPolicy")) {
      c.put("imagePullPolicy", pullPolicyFor(image));
    }
    Nodes.defaultText(c, "terminationMessagePath", "/dev/termination-log");
    Nodes.defaultText(c, "terminationMessagePolicy", "File");
    for (ObjectNode p : Nodes.objects(c, "ports")) {
      if (p == null) {
        continue;
      }
      Nodes.defaultText(p, "protocol", "TCP");
      if (isPod && hostNetwork && !Nodes.has(p, "hostPort") && Nodes.integer(p, "containerPort") != null) {
        Nodes.putInt(p, "hostPort", Nodes.integer(p, "containerPort"));
      }
    }
    for (String probe : PROBES) {
      ObjectNode pr = Nodes.object(c, probe);
      if (pr != null) {
        defaultProbe(pr);
      }
    }
    ObjectNode lifecycle = Nodes.object(c, "lifecycle");
    if (lifecycle != null) {
      for (String hook : List.of("postStart", "preStop")) {
        defaultHttpGet(Nodes.object(Nodes.object(lifecycle, hook), "httpGet"));
      }
    }
    for (ObjectNode env : Nodes.objects(c, "env")) {
      ObjectNode fieldRef = Nodes.object(Nodes.object(env, "valueFrom"), "fieldRef");
      if (fieldRef != null) {
        Nodes.defaultText(fieldRef, "apiVersion", "v1");
      }
    }
    if (isPod) {
      // SetDefaults_Pod: a resource with a limit and no request requests the limit.
      ObjectNode resources = Nodes.object(c, "resources");
      ObjectNode limits = Nodes.object(resources, "limits");
      if (limits != null && limits.size() > 0) {
        ObjectNode requests = Nodes.ensureObject(resources, "requests");
        for (Iterator<Map.Entry<String, JsonNode>> it = limits.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!requests.has(e.getKey())) {
            requests.set(e.getKey(), e.getValue().deepCopy());
          }
        }
      }
    }
  }

  /** {@code Always} for an image without tag or with {@code :latest}, else {@code IfNotPresent}. */
  public static String pullPolicyFor(String image) {
    if (image.contains("@")) {
      return "IfNotPresent";
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash) {
      return "Always";
    }
    return image.substring(colon + 1).equals("latest") ? "Always" : "IfNotPresent";
  }

  private static void defaultProbe(ObjectNode pr) {
    Nodes.defaultInt(pr, "timeoutSeconds", 1);
    Nodes.defaultInt(pr, "periodSeconds", 10);
    Nodes.defaultInt(pr, "successThreshold", 1);
    Nodes.defaultInt(pr, "failureThreshold", 3);
    defaultHttpGet(Nodes.object(pr, "httpGet"));
  }

  private static void defaultHttpGet(ObjectNode get) {
    if (get != null) {
      Nodes.defaultText(get, "path", "/");
      Nodes.defaultText(get, "scheme", "HTTP");
    }
  }

  private static void defaultVolume(ObjectNode v) {
    boolean hasSource = false;
    for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("name") && !v.get(f).isNull()) {
        hasSource = true;
      }
    }
    if (!hasSource) {
      v.putObject("emptyDir");
      return;
    }
    for (String src : MODE_SOURCES) {
      ObjectNode s = Nodes.object(v, src);
      if (s != null) {
        Nodes.defaultInt(s, "defaultMode", 420);
      }
    }
    ObjectNode hostPath = Nodes.object(v, "hostPath");
    if (hostPath != null) {
      Nodes.defaultText(hostPath, "type", "");
    }
    ObjectNode downward = Nodes.object(v, "downwardAPI");
    for (ObjectNode item : Nodes.objects(downward, "items")) {
      ObjectNode fieldRef = Nodes.object(item, "fieldRef");
      if (fieldRef != null) {
        Nodes.defaultText(fieldRef, "apiVersion", "v1");
      }
    }
  }

  // ---- validation --------------------------------------------------------------------------

  /** Validates a workload's pod template at {@code path} (e.g. {@code spec.template}). */
  public static void validateTemplate(JsonNode template, String path, List<FieldError> errs) {
    if (!(template instanceof ObjectNode t)) {
      errs.add(FieldError.required(path, ""));
      return;
    }
    ObjectNode meta = Nodes.object(t, "metadata");
    if (meta != null) {
      BaseStrategy.validateLabels(meta.get("labels"), path + ".metadata.labels", errs);
    }
    validateSpec(Nodes.object(t, "spec"), path + ".spec", errs);
  }

  /** Validates a pod spec at {@code path} (e.g. {@code spec}). */
  public static void validateSpec(ObjectNode spec, String path, List<FieldError> errs) {
    if (spec == null) {
      errs.add(FieldError.required(path, ""));
      return;
    }
    Set<String> volumes = validateVolumes(spec, path + ".volumes", errs);
    if (Nodes.size(spec, "containers") == 0) {
      errs.add(FieldError.required(path + ".containers", ""));
    }
    Set<String> names = new HashSet<>();
    Set<String> hostPorts = new HashSet<>();
    boolean hostNetwork = Nodes.isTrue(spec, "hostNetwork");
    for (String list : List.of("initContainers", "containers")) {
      List<ObjectNode> cs = Nodes.objects(spec, list);
      for (int i = 0; i < cs.size(); i++) {
        String p = path + "." + list + "[" + i + "]";
        validateContainer(cs.get(i), p, names, volumes, errs);
        validateContainerKind(cs.get(i), p, list.equals("initContainers"), errs);
        validateHostPorts(cs.get(i), p, hostNetwork, hostPorts, errs);
      }
    }
    String restart = Nodes.text(spec, "restartPolicy");
    if (restart == null || restart.isEmpty()) {
      errs.add(FieldError.required(path + ".restartPolicy", ""));
    } else if (!RESTART_POLICIES.contains(restart)) {
      errs.add(FieldError.notSupported(path + ".restartPolicy", restart, RESTART_POLICIES));
    }
    String dns = Nodes.text(spec, "dnsPolicy");
    if (dns != null && !DNS_POLICIES.contains(dns)) {
      errs.add(FieldError.notSupported(path + ".dnsPolicy", dns, DNS_POLICIES));
    }
    Long deadline = Nodes.integer(spec, "activeDeadlineSeconds");
    if (deadline != null && (deadline < 1 || deadline > Integer.MAX_VALUE)) {
      errs.add(FieldError.invalid(path + ".activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"));
    }
    Long grace = Nodes.integer(spec, "terminationGracePeriodSeconds");
    if (grace != null && grace < 0) {
      errs.add(FieldError.invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
    }
    for (String f : List.of("hostname", "subdomain")) {
      String v = Nodes.text(spec, f);
      if (v != null && !v.isEmpty()) {
        for (String msg : Names.dns1123Label(v)) {
          errs.add(FieldError.invalid(path + "." + f, v, msg));
        }
      }
    }
    String sa = Nodes.text(spec, "serviceAccountName");
    if (sa != null && !sa.isEmpty()) {
      for (String msg : Names.dns1123Subdomain(sa)) {
        errs.add(FieldError.invalid(path + ".serviceAccountName", sa, msg));
      }
    }
    BaseStrategy.validateLabels(spec.get("nodeSelector"), path + ".nodeSelector", errs);
    validateTolerations(spec, path + ".tolerations", errs);
  }

  /**
   * Checks a name that must be a DNS-1123 label and unique among its siblings (volumes, containers,
   * service ports), recording it in {@code seen}.
   */
  static void uniqueLabelName(String name, String field, Set<String> seen, List<FieldError> errs) {
    for (String msg : Names.dns1123Label(name)) {
      errs.add(FieldError.invalid(field, name, msg));
    }
    if (!seen.add(name)) {
      errs.add(FieldError.duplicate(field, name));
    }
  }

  private static Set<String> validateVolumes(ObjectNode spec, String path, List<FieldError> errs) {
    Set<String> names = new HashSet<>();
    List<ObjectNode> vols = Nodes.objects(spec, "volumes");
    for (int i = 0; i < vols.size(); i++) {
      String p = path + "[" + i + "]";
      ObjectNode v = vols.get(i);
      if (v == null) {
        errs.add(FieldError.invalid(p, "", "must be an object"));
        continue;
      }
      String name = Nodes.str(v, "name");
      if (name.isEmpty()) {
        errs.add(FieldError.required(p + ".name", ""));
      } else {
        uniqueLabelName(name, p + ".name", names, errs);
      }
      int sources = 0;
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (f.equals("name") || v.get(f).isNull()) {
          continue;
        }
        if (++sources > 1) {
          errs.add(FieldError.forbidden(p + "." + f, "may not specify more than 1 volume type"));
        }
        validateVolumeSource(f, v.get(f), p + "." + f, errs);
      }
      if (sources == 0) {
        errs.add(FieldError.required(p, "must specify a volume type"));
      }
    }
    return names;
  }

  private static void validateVolumeSource(String type, JsonNode src, String p, List<FieldError> errs) {
    switch (type) {
      case "configMap" -> {
        if (Nodes.str(src, "name").isEmpty()) {
          errs.add(FieldError.required(p + ".name", ""));
        }
      }
      case "secret" -> {
        if (Nodes.str(src, "secretName").isEmpty()) {
          errs.add(FieldError.required(p + ".secretName", ""));
        }
      }
      case "hostPath" -> {
        if (Nodes.str(src, "path").isEmpty()) {
          errs.add(FieldError.required(p + ".path", ""));
        }
      }
      case "persistentVolumeClaim" -> {
        if (Nodes.str(src, "claimName").isEmpty()) {
          errs.add(FieldError.required(p + ".claimName", ""));
        }
      }
      case "emptyDir" -> {
        JsonNode limit = src == null ? null : src.get("sizeLimit");
        if (limit != null && !limit.isNull() && Quantity.parse(limit).isEmpty()) {
          errs.add(FieldError.invalid(p + ".sizeLimit", limit.asText(), Quantity.FORMAT_ERROR));
        }
      }
      default -> { }
    }
    if (MODE_SOURCES.contains(type)) {
      Long mode = Nodes.integer(src, "defaultMode");
      if (mode != null && (mode < 0 || mode > 0777)) {
        errs.add(FieldError.invalid(p + ".defaultMode", mode, "must be a number between 0 and 0777 (octal), both inclusive"));
      }
    }
  }

  private static void validateContainer(ObjectNode c, String p, Set<String> names, Set<String> volumes,
      List<FieldError> errs) {
    if (c == null) {
      errs.add(FieldError.invalid(p, "", "must be an object"));
      return;
    }
    String name = Nodes.str(c, "name");
    if (name.isEmpty()) {
      errs.add(FieldError.required(p + ".name", ""));
    } else {
      uniqueLabelName(name, p + ".name", names, errs);
    }
    String image = Nodes.text(c, "image");
    if (image == null || image.isBlank()) {
      errs.add(FieldError.required(p + ".image", ""));
    } else if (!image.equals(image.trim())) {
      errs.add(FieldError.invalid(p + ".image", image, "must not have leading or trailing whitespace"));
    }
    String pull = Nodes.text(c, "imagePullPolicy");
    if (pull != null && !PULL_POLICIES.contains(pull)) {
      errs.add(FieldError.notSupported(p + ".imagePullPolicy", pull, PULL_POLICIES));
    }
    String tmp = Nodes.text(c, "terminationMessagePolicy");
    if (tmp != null && !TERMINATION_MESSAGE_POLICIES.contains(tmp)) {
      errs.add(FieldError.notSupported(p + ".terminationMessagePolicy", tmp, TERMINATION_MESSAGE_POLICIES));
    }
    validatePorts(c, p + ".ports", errs);
    validateEnv(c, p + ".env", errs);
    validateMounts(c, p + ".volumeMounts", volumes, errs);
    validateResources(Nodes.object(c, "resources"), p + ".resources", errs);
    for (String probe : PROBES) {
      ObjectNode pr = Nodes.object(c, probe);
      if (pr != null) {
        validateProbe(pr, p + "." + probe, errs);
      }
    }
  }

  /** Restart policy and probes as allowed for init (sidecar or not) and app containers. */
  private static void validateContainerKind(ObjectNode c, String p, boolean init, List<FieldError> errs) {
    if (c == null) {
      return;
    }
    String rp = Nodes.text(c, "restartPolicy");
    boolean sidecar = "Always".equals(rp);
    if (!init && rp != null) {
      errs.add(FieldError.forbidden(p + ".restartPolicy", "may not be set for non-init containers"));
    } else if (init && rp != null && !sidecar) {
      errs.add(FieldError.notSupported(p + ".restartPolicy", rp, List.of("Always")));
    }
    if (init && !sidecar) {
      for (String probe : PROBES) {
        if (Nodes.has(c, probe)) {
          errs.add(FieldError.forbidden(p + "." + probe, "may not be set for init containers without restartPolicy=Always"));
        }
      }
    }
  }

  /** With the host network a host port is the container port; a host port/protocol is used once per pod. */
  private static void validateHostPorts(ObjectNode c, String p, boolean hostNetwork, Set<String> used,
      List<FieldError> errs) {
    List<ObjectNode> ports = Nodes.objects(c, "ports");
    for (int i = 0; i < ports.size(); i++) {
      ObjectNode port = ports.get(i);
      long hp = Nodes.integer(port, "hostPort", 0);
      if (hp == 0) {
        continue;
      }
      String pp = p + ".ports[" + i + "].hostPort";
      if (hostNetwork && hp != Nodes.integer(port, "containerPort", 0)) {
        errs.add(FieldError.invalid(pp, hp, "must match `containerPort` when `hostNetwork` is true"));
      }
      String key = hp + "/" + Nodes.str(port, "protocol");
      if (!used.add(Nodes.str(port, "hostIP") + ":" + key)) {
        errs.add(FieldError.duplicate(pp, key));
      }
    }
  }

  private static void validatePorts(ObjectNode c, String path, List<FieldError> errs) {
    Set<String> names = new HashSet<>();
    List<ObjectNode> ports = Nodes.objects(c, "ports");
    for (int i = 0; i < ports.size(); i++) {
      String p = path + "[" + i + "]";
      ObjectNode port = ports.get(i);
      if (port == null) {
        errs.add(FieldError.invalid(p, "", "must be an object"));
        continue;
      }
      String name = Nodes.text(port, "name");
      if (name != null && !name.isEmpty()) {
        for (String msg : Names.portName(name)) {
          errs.add(FieldError.invalid(p + ".name", name, msg));
        }
        if (!names.add(name)) {
          errs.add(FieldError.duplicate(p + ".name", name));
        }
      }
      Long cp = Nodes.integer(port, "containerPort");
      if (cp == null) {
        errs.add(FieldError.required(p + ".containerPort", ""));
      } else if (!Names.validPort(cp)) {
        errs.add(FieldError.invalid(p + ".containerPort", cp, Names.PORT_RANGE));
      }
      Long hp = Nodes.integer(port, "hostPort");
      if (hp != null && hp != 0 && !Names.validPort(hp)) {
        errs.add(FieldError.invalid(p + ".hostPort", hp, Names.PORT_RANGE));
      }
      String proto = Nodes.text(port, "protocol");
      if (proto != null && !PROTOCOLS.contains(proto)) {
        errs.add(FieldError.notSupported(p + ".protocol", proto, PROTOCOLS));
      }
    }
  }

  private static void validateEnv(ObjectNode c, String path, List<FieldError> errs) {
    List<ObjectNode> env = Nodes.objects(c, "env");
    for (int i = 0; i < env.size(); i++) {
      String p = path + "[" + i + "]";
      ObjectNode e = env.get(i);
      String name = Nodes.str(e, "name");
      if (name.isEmpty()) {
        errs.add(FieldError.required(p + ".name", ""));
      } else {
        for (String msg : Names.envVarName(name)) {
          errs.add(FieldError.invalid(p + ".name", name, msg));
        }
      }
      if (Nodes.has(e, "value") && Nodes.has(e, "valueFrom")) {
        errs.add(FieldError.invalid(p + ".valueFrom", "", "may not be specified when `value` is not empty"));
      }
    }
  }

  private static void validateMounts(ObjectNode c, String path, Set<String> volumes, List<FieldError> errs) {
    Set<String> mountPaths = new HashSet<>();
    List<ObjectNode> mounts = Nodes.objects(c, "volumeMounts");
    for (int i = 0; i < mounts.size(); i++) {
      String p = path + "[" + i + "]";
      ObjectNode m = mounts.get(i);
      String name = Nodes.str(m, "name");
      if (name.isEmpty()) {
        errs.add(FieldError.required(p + ".name", ""));
      } else if (!volumes.contains(name)) {
        errs.add(new FieldError("FieldValueNotFound", p + ".name", "Not found: \"" + name + "\""));
      }
      String mountPath = Nodes.str(m, "mountPath");
      if (mountPath.isEmpty()) {
        errs.add(FieldError.required(p + ".mountPath", ""));
      } else if (!mountPaths.add(mountPath)) {
        errs.add(FieldError.invalid(p + ".mountPath", mountPath, "must be unique"));
      }
    }
  }

  /** Validates {@code resources.requests/limits}: quantities parse, are ≥ 0, requests ≤ limits. */
  static void validateResources(ObjectNode resources, String path, List<FieldError> errs) {
    if (resources == null) {
      return;
    }
    Map<String, BigDecimal> limits = quantities(Nodes.object(resources, "limits"), path + ".limits", errs);
    Map<String, BigDecimal> requests = quantities(Nodes.object(resources, "requests"), path + ".requests", errs);
    for (Map.Entry<String, BigDecimal> r : requests.entrySet()) {
      BigDecimal limit = limits.get(r.getKey());
      if (limit != null && r.getValue().compareTo(limit) > 0) {
        errs.add(FieldError.invalid(path + ".requests[" + r.getKey() + "]",
            Nodes.object(resources, "requests").get(r.getKey()).asText(),
            "must be less than or equal to " + r.getKey() + " limit of "
                + Nodes.object(resources, "limits").get(r.getKey()).asText()));
      }
    }
  }

  private static Map<String, BigDecimal> quantities(ObjectNode m, String path, List<FieldError> errs) {
    Map<String, BigDecimal> out = new HashMap<>();
    if (m == null) {
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String p = path + "[" + e.getKey() + "]";
      if (!isContainerResourceName(e.getKey())) {
        errs.add(FieldError.invalid(p, e.getKey(), "must be a standard resource type or fully qualified"));
      } else {
        for (String msg : Names.qualifiedName(e.getKey())) {
          errs.add(FieldError.invalid(p, e.getKey(), msg));
        }
      }
      Optional<BigDecimal> q = Quantity.parse(e.getValue());
      if (q.isEmpty()) {
        errs.add(FieldError.invalid(p, e.getValue().asText(), Quantity.FORMAT_ERROR));
      } else if (q.get().signum() < 0) {
        errs.add(FieldError.invalid(p, e.getValue().asText(), "must be greater than or equal to 0"));
      } else {
        out.put(e.getKey(), q.get());
      }
    }
    return out;
  }

  /** cpu, memory, ephemeral-storage, hugepages-&lt;size&gt;, or a domain-qualified extended resource. */
  private static boolean isContainerResourceName(String name) {
    return name.equals("cpu") || name.equals("memory") || name.equals("ephemeral-storage")
        || name.startsWith("hugepages-") || name.contains("/");
  }

  private static void validateProbe(ObjectNode pr, String p, List<FieldError> errs) {
    int handlers = 0;
    for (String h : PROBE_HANDLERS) {
      if (Nodes.has(pr, h)) {
        if (++handlers > 1) {
          errs.add(FieldError.forbidden(p + "." + h, "may not specify more than 1 handler type"));
        }
      }
    }
    if (handlers == 0) {
      errs.add(FieldError.required(p, "must specify a handler type"));
    }
    for (String f : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
        "failureThreshold")) {
      Long v = Nodes.integer(pr, f);
      if (v != null && v < 0) {
        errs.add(FieldError.invalid(p + "." + f, v, "must be greater than or equal to 0"));
      }
    }
    if (p.endsWith("livenessProbe") || p.endsWith("startupProbe")) {
      Long st = Nodes.integer(pr, "successThreshold");
      if (st != null && st != 1) {
        errs.add(FieldError.invalid(p + ".successThreshold", st, "must be 1"));
      }
    }
  }

  private static void validateTolerations(ObjectNode spec, String path, List<FieldError> errs) {
    List<ObjectNode> tols = Nodes.objects(spec, "tolerations");
    for (int i = 0; i < tols.size(); i++) {
      String p = path + "[" + i + "]";
      ObjectNode t = tols.get(i);
      String key = Nodes.str(t, "key");
      if (!key.isEmpty()) {
        for (String msg : Names.qualifiedName(key)) {
          errs.add(FieldError.invalid(p + ".key", key, msg));
        }
      }
      String op = Nodes.str(t, "operator");
      String value = Nodes.str(t, "value");
      switch (op) {
        case "", "Equal" -> {
          if (key.isEmpty()) {
            errs.add(FieldError.invalid(p + ".operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
          }
          for (String msg : Names.labelValue(value)) {
            errs.add(FieldError.invalid(p + ".value", value, msg));
          }
        }
        case "Exists" -> {
          if (!value.isEmpty()) {
            errs.add(FieldError.invalid(p + ".operator", t.get("operator").asText(),
                "value must be empty when `operator` is 'Exists'"));
          }
        }
        default -> errs.add(FieldError.notSupported(p + ".operator", op, List.of("Equal", "Exists")));
      }
      String effect = Nodes.str(t, "effect");
      if (!effect.isEmpty() && !TAINT_EFFECTS.contains(effect)) {
        errs.add(FieldError.notSupported(p + ".effect", effect, TAINT_EFFECTS));
      }
      if (Nodes.has(t, "tolerationSeconds") && !effect.equals("NoExecute")) {
        errs.add(FieldError.invalid(p + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
      }
    }
  }

  // ---- update rules ------------------------------------------------------------------------

  /**
   * The message of a forbidden pod spec change, or {@code null} when {@code spec} differs from
   * {@code old} only where Kubernetes lets a pod change: container images, activeDeadlineSeconds,
   * added tolerations, terminationGracePeriodSeconds, removed scheduling gates, and the node
   * name being set for the first time (binding).
   */
  public static String forbiddenPodSpecChange(ObjectNode spec, ObjectNode old) {
    if (spec == null || old == null) {
      return Nodes.same(spec, old) ? null : "may not be removed";
    }
    ObjectNode masked = spec.deepCopy();
    for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
      List<ObjectNode> now = Nodes.objects(masked, list);
      List<ObjectNode> was = Nodes.objects(old, list);
      for (int i = 0; i < now.size() && i < was.size(); i++) {
        if (now.get(i) != null && was.get(i) != null) {
          copyField(was.get(i), now.get(i), "image");
        }
      }
    }
    copyField(old, masked, "activeDeadlineSeconds");
    copyField(old, masked, "terminationGracePeriodSeconds");
    copyField(old, masked, "schedulingGates");
    if (Nodes.str(old, "nodeName").isEmpty()) {
      copyField(old, masked, "nodeName");
    }
    ArrayNode oldTols = Nodes.array(old, "tolerations");
    ArrayNode newTols = Nodes.array(masked, "tolerations");
    boolean tolerationsOk = true;
    if (oldTols != null) {
      for (JsonNode t : oldTols) {
        boolean found = false;
        if (newTols != null) {
          for (JsonNode n : newTols) {
            found |= Nodes.equal(n, t);
          }
        }
        tolerationsOk &= found;
      }
    }
    if (tolerationsOk) {
      copyField(old, masked, "tolerations");
    }
    if (Nodes.equal(masked, old)) {
      return null;
    }
    return "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
        + "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
        + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
  }

  private static void copyField(ObjectNode from, ObjectNode to, String field) {
    JsonNode v = from.get(field);
    if (v == null) {
      to.remove(field);
    } else {
      to.set(field, v.deepCopy());
    }
  }

  // ---- QoS ---------------------------------------------------------------------------------

  /** The pod's QoS class ({@code Guaranteed}, {@code Burstable}, {@code BestEffort}) as the kubelet computes it. */
  public static String qosClass(ObjectNode spec) {
    boolean anySet = false;
    boolean guaranteed = true;
    for (String list : List.of("initContainers", "containers")) {
      for (ObjectNode c : Nodes.objects(spec, list)) {
        ObjectNode res = Nodes.object(c, "resources");
        Map<String, BigDecimal> req = new HashMap<>();
        Map<String, BigDecimal> lim = new HashMap<>();
        collectPositive(Nodes.object(res, "requests"), req);
        collectPositive(Nodes.object(res, "limits"), lim);
        if (!req.isEmpty() || !lim.isEmpty()) {
          anySet = true;
        }
        for (String r : List.of("cpu", "memory")) {
          if (!lim.containsKey(r)) {
            guaranteed = false;
          } else if (req.containsKey(r) && req.get(r).compareTo(lim.get(r)) != 0) {
            guaranteed = false;
          }
        }
      }
    }
    if (!anySet) {
      return "BestEffort";
    }
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  private static void collectPositive(ObjectNode m, Map<String, BigDecimal> out) {
    if (m == null) {
      return;
    }
    m.fields().forEachRemaining(e -> {
      if (e.getKey().equals("cpu") || e.getKey().equals("memory")) {
        Quantity.parse(e.getValue()).filter(q -> q.signum() > 0).ifPresent(q -> out.put(e.getKey(), q));
      }
    });
  }
}
