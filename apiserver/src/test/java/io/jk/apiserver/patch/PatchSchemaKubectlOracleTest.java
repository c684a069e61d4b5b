package io.jk.apiserver.patch;

import static io.jk.apiserver.patch.JsonPatchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the {@link PatchSchema} tables against the {@code patchStrategy}/{@code patchMergeKey}
 * tags compiled into kubectl: for every list the tables describe, and for lists they leave atomic
 * on purpose, a strategic merge patch adding one item must merge (or replace) exactly as
 * {@code kubectl patch --local} does. Skipped where kubectl is not installed.
 *
 * <p>Paths use {@code field[key]} for a keyed list (the item on the way down has that key) and
 * end with the list under test: {@code env[name]} for a keyed list, {@code finalizers[]} for a
 * list of scalars.
 */
class PatchSchemaKubectlOracleTest {

  private static final Map<String, String> VERSIONS = Map.ofEntries(
      Map.entry("", "v1"), Map.entry("apps", "apps/v1"), Map.entry("batch", "batch/v1"),
      Map.entry("discovery.k8s.io", "discovery.k8s.io/v1"),
      Map.entry("coordination.k8s.io", "coordination.k8s.io/v1"),
      Map.entry("events.k8s.io", "events.k8s.io/v1"), Map.entry("policy", "policy/v1"),
      Map.entry("autoscaling", "autoscaling/v2"),
      Map.entry("rbac.authorization.k8s.io", "rbac.authorization.k8s.io/v1"),
      Map.entry("networking.k8s.io", "networking.k8s.io/v1"),
      Map.entry("storage.k8s.io", "storage.k8s.io/v1"),
      Map.entry("scheduling.k8s.io", "scheduling.k8s.io/v1"),
      Map.entry("certificates.k8s.io", "certificates.k8s.io/v1"));

  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("jk-schema-oracle");
    KubectlOracle.writeKubeconfig(dir);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile)
            .forEach(File::delete);
      }
    }
  }

  /**
   * Every merged list of every registered kind (metadata lists once, on ConfigMap; the pod
   * template in full once, on Deployment).
   */
  static Stream<Arguments> describedLists() {
    List<Arguments> out = new ArrayList<>();
    for (String gk : PatchSchema.registeredKinds().stream().sorted().toList()) {
      String group = gk.substring(0, gk.indexOf('/'));
      String kind = gk.substring(gk.indexOf('/') + 1);
      List<String> paths = new ArrayList<>();
      walk(PatchSchema.forKind(group, kind), "", paths);
      for (String p : paths) {
        // the shared pod template is checked in full once (Deployment); elsewhere its entry
        boolean templateDetail = p.contains("template.") && !kind.equals("Deployment")
            && !p.endsWith("template.spec.containers[name]");
        if ((!p.startsWith("metadata.") || kind.equals("ConfigMap")) && !templateDetail) {
          out.add(Arguments.of(VERSIONS.get(group) + " " + kind + " " + p, VERSIONS.get(group),
              kind, p));
        }
      }
    }
    return out.stream();
  }

  private static void walk(PatchSchema schema, String prefix, List<String> out) {
    schema.fields().forEach((name, f) -> {
      switch (f.listType()) {
        case MAP:
          out.add(prefix + name + "[" + f.mergeKey() + "]");
          walk(f.schema(), prefix + name + "[" + f.mergeKey() + "].", out);
          break;
        case SET:
          out.add(prefix + name + "[]");
          break;
        default:
          walk(f.schema(), prefix + name + ".", out);
      }
    });
  }

  /** Lists the tables leave atomic on purpose (or that were in doubt). */
  static Stream<Arguments> atomicLists() {
    return Stream.of(
        Arguments.of("pod tolerations", "v1", "Pod", "spec.tolerations[key]"),
        Arguments.of("container args", "v1", "Pod", "spec.containers[name].args[]"),
        Arguments.of("container command", "v1", "Pod", "spec.containers[name].command[]"),
        Arguments.of("container envFrom", "v1", "Pod", "spec.containers[name].envFrom[prefix]"),
        Arguments.of("readiness gates", "v1", "Pod", "spec.readinessGates[conditionType]"),
        Arguments.of("container statuses", "v1", "Pod", "status.containerStatuses[name]"),
        Arguments.of("node taints", "v1", "Node", "spec.taints[key]"),
        Arguments.of("node images", "v1", "Node", "status.images[sizeBytes]"),
        Arguments.of("namespace finalizers", "v1", "Namespace", "spec.finalizers[]"),
        Arguments.of("endpoints subsets", "v1", "Endpoints", "subsets[notReadyAddresses]"),
        Arguments.of("service externalIPs", "v1", "Service", "spec.externalIPs[]"),
        Arguments.of("slice endpoints", "discovery.k8s.io/v1", "EndpointSlice",
            "endpoints[hostname]"),
        Arguments.of("statefulset claim templates", "apps/v1", "StatefulSet",
            "spec.volumeClaimTemplates[apiVersion]"),
        Arguments.of("selector expressions", "apps/v1", "Deployment",
            "spec.selector.matchExpressions[key]"),
        Arguments.of("pvc access modes", "v1", "PersistentVolumeClaim", "spec.accessModes[]"),
        Arguments.of("role rules", "rbac.authorization.k8s.io/v1", "Role", "rules[verbs]"),
        Arguments.of("cronjob active", "batch/v1", "CronJob", "status.active[uid]"),
        Arguments.of("service account image pull secrets", "v1", "ServiceAccount",
            "imagePullSecrets[name]"),
        Arguments.of("csr conditions", "certificates.k8s.io/v1", "CertificateSigningRequest",
            "status.conditions[type]"),
        Arguments.of("node volumes attached", "v1", "Node", "status.volumesAttached[name]"),
        Arguments.of("init container statuses", "v1", "Pod",
            "status.initContainerStatuses[name]"),
        Arguments.of("hpa metrics", "autoscaling/v2", "HorizontalPodAutoscaler",
            "spec.metrics[type]"),
        Arguments.of("ingress rules", "networking.k8s.io/v1", "Ingress", "spec.rules[host]"),
        Arguments.of("pv mount options", "v1", "PersistentVolume", "spec.mountOptions[]"),
        Arguments.of("event series none, related none: involvedObject", "v1", "Event",
            "metadata.finalizers[]"),
        Arguments.of("lease has no lists but metadata", "coordination.k8s.io/v1", "Lease",
            "metadata.ownerReferences[uid]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"describedLists", "atomicLists"})
  void listsMergeAsKubernetesTypesSay(String name, String apiVersion, String kind, String path)
      throws Exception {
    KubectlOracle.assumeInstalled();
    String[] segments = path.split("\\.");
    ObjectNode original = Json.mapper().createObjectNode();
    ObjectNode patch = Json.mapper().createObjectNode();
    build(original, segments, 0, false);
    build(patch, segments, 0, true);
    original.put("apiVersion", apiVersion);
    original.put("kind", kind);
    original.with("metadata").put("name", "oracle");

    Path file = dir.resolve("obj.json");
    Files.writeString(file, original.toString());
    KubectlOracle.Run r = KubectlOracle.run(dir, "patch", "--local", "-f", file.toString(),
        "--type", "strategic", "-o", "json", "-p", patch.toString());
    assertEquals(0, r.exit(), "kubectl refused " + patch + ": " + r.err());
    JsonNode theirs = Json.mapper().readTree(r.out());
    int slash = apiVersion.indexOf('/');
    JsonNode ours = StrategicMergePatch.apply(original, patch,
        PatchSchema.forKind(slash < 0 ? "" : apiVersion.substring(0, slash), kind));
    assertEquals(theirs, ours);
  }

  /** Builds the nested value along the path: two items in the original, one new in the patch. */
  private static void build(ObjectNode parent, String[] segments, int i, boolean patch) {
    String seg = segments[i];
    int bracket = seg.indexOf('[');
    if (bracket < 0) {
      build(parent.putObject(seg), segments, i + 1, patch);
      return;
    }
    String field = seg.substring(0, bracket);
    String key = seg.substring(bracket + 1, seg.length() - 1);
    ArrayNode list = parent.putArray(field);
    boolean last = i == segments.length - 1;
    if (!last) {
      ObjectNode item = list.addObject();
      putKey(item, key, "k");
      build(item, segments, i + 1, patch);
      return;
    }
    for (String v : patch ? new String[] {"c"} : new String[] {"a", "b"}) {
      if (key.isEmpty()) {
        list.add(v);
      } else {
        putKey(list.addObject(), key, v);
      }
    }
  }

  private static void putKey(ObjectNode item, String key, String v) {
    switch (key) {
      case "containerPort":
      case "port":
      case "sizeBytes":
        item.put(key, 1000 + v.charAt(0));
        break;
      case "notReadyAddresses":
      case "verbs":
        item.set(key, json("['" + v + "']"));
        break;
      default:
        item.put(key, v);
    }
  }
}
