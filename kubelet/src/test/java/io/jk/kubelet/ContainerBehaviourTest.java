package io.jk.kubelet;

import static io.jk.kubelet.testing.Pods.pod;
import static io.jk.kubelet.testing.Pods.sh;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.jk.kubelet.container.ShimRuntime;
import io.jk.kubelet.testing.KubeletHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What users see of containers run by a real kubelet: env, exits, restarts, probes, limits, termination, admission. */
class ContainerBehaviourTest {
  static KubeletHarness h;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(KubeletHarness.isRoot(), "containers need root (namespaces, mounts, cgroups)");
    h = new KubeletHarness(Duration.ofSeconds(1));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  static ContainerStatus status(String pod, String container) {
    Pod p = h.get(pod);
    if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
      return null;
    }
    return p.getStatus().getContainerStatuses().stream().filter(c -> c.getName().equals(container)).findFirst().orElse(null);
  }

  static String log(Pod p, String container) throws Exception {
    Path dir = h.root.resolve("pods").resolve(p.getMetadata().getUid()).resolve("containers").resolve(container);
    StringBuilder sb = new StringBuilder();
    if (Files.isDirectory(dir)) {
      try (var s = Files.list(dir)) {
        for (Path attempt : s.sorted().toList()) {
          Path f = ShimRuntime.logFile(attempt);
          if (Files.exists(f)) {
            sb.append(Files.readString(f));
          }
        }
      }
    }
    return sb.toString();
  }

  static List<Event> events(String pod, String reason) {
    return h.client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> pod.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
  }

  @Test
  void nodeIsRegisteredWithCapacityLabelsConditionsAndLease() {
    Node n = h.client().nodes().withName(KubeletHarness.NODE).get();
    assertEquals("110", n.getStatus().getCapacity().get("pods").toString());
    assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), n.getStatus().getCapacity().get("cpu").toString());
    assertEquals(KubeletHarness.NODE, n.getMetadata().getLabels().get("kubernetes.io/hostname"));
    assertEquals("linux", n.getMetadata().getLabels().get("kubernetes.io/os"));
    assertEquals("yes", n.getMetadata().getLabels().get("jk.io/test"));
    var ready = n.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    assertEquals("True", ready.getStatus());
    assertEquals("KubeletReady", ready.getReason());
    assertEquals("kubelet is posting ready status", ready.getMessage());
    assertEquals("127.0.0.1", n.getStatus().getAddresses().get(0).getAddress());
    Lease lease = h.client().leases().inNamespace("kube-node-lease").withName(KubeletHarness.NODE).get();
    assertEquals(KubeletHarness.NODE, lease.getSpec().getHolderIdentity());
    assertEquals(40, lease.getSpec().getLeaseDurationSeconds());
  }

  @Test
  void envFromConfigMapAndSecretAndANeverPodThatSucceeds() throws Exception {
    h.client().configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("cfg").withNamespace("default")
        .endMetadata().withData(Map.of("color", "blue", "size", "L")).build()).create();
    h.client().secrets().resource(new SecretBuilder().withNewMetadata().withName("sec").withNamespace("default")
        .endMetadata().withStringData(Map.of("password", "s3cret")).build()).create();
    Container c = sh("env", "echo color=$COLOR pw=$PW size=$CFG_size pod=$POD greeting=$GREETING");
    c.setEnv(List.of(
        new EnvVarBuilder().withName("COLOR").withNewValueFrom().withNewConfigMapKeyRef("color", "cfg", false).endValueFrom().build(),
        new EnvVarBuilder().withName("PW").withNewValueFrom().withNewSecretKeyRef("password", "sec", false).endValueFrom().build(),
        new EnvVarBuilder().withName("POD").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
            .endValueFrom().build(),
        new EnvVarBuilder().withName("GREETING").withValue("hello $(COLOR)").build()));
    c.setEnvFrom(List.of(new EnvFromSourceBuilder().withPrefix("CFG_").withNewConfigMapRef("cfg", false).build()));
    c.setVolumeMounts(List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("cfgvol").withMountPath("/cfg")
        .withReadOnly(true).build()));
    c.setCommand(List.of("sh", "-c", "echo color=$COLOR pw=$PW size=$CFG_size pod=$POD greeting=$GREETING file=$(cat /cfg/color)"));
    Pod p = h.client().pods().resource(pod("env", "Never", c).editSpec().addNewVolume().withName("cfgvol")
        .withNewConfigMap().withName("cfg").endConfigMap().endVolume().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(h.get("env").getStatus().getPhase()));
    ContainerStatus cs = status("env", "env");
    assertEquals(0, cs.getState().getTerminated().getExitCode());
    assertEquals("Completed", cs.getState().getTerminated().getReason());
    assertNotNull(cs.getState().getTerminated().getFinishedAt());
    assertTrue(log(p, "env").contains("stdout F color=blue pw=s3cret size=L pod=env greeting=hello blue file=blue"), log(p, "env"));
    assertTrue(h.shimPids().isEmpty() || h.get("env").getStatus().getPodIP() != null);
  }

  @Test
  void aNeverPodThatFailsIsFailedWithItsExitCode() {
    Container logs = sh("logs", "echo first line; echo it broke; exit 4");
    logs.setTerminationMessagePolicy("FallbackToLogsOnError");
    h.client().pods().resource(pod("fails", "Never", sh("main", "echo disk full > /dev/termination-log; exit 3"), logs)
        .build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Failed".equals(h.get("fails").getStatus().getPhase()));
    ContainerStatus cs = status("fails", "main");
    assertEquals(3, cs.getState().getTerminated().getExitCode());
    assertEquals("Error", cs.getState().getTerminated().getReason());
    assertEquals(0, cs.getRestartCount());
    assertEquals("disk full\n", cs.getState().getTerminated().getMessage(), "the termination message file");
    assertEquals("first line\nit broke\n", status("fails", "logs").getState().getTerminated().getMessage(),
        "FallbackToLogsOnError: the log's end");
  }

  @Test
  void aMissingConfigMapKeyIsCreateContainerConfigError() {
    Container c = sh("main", "sleep 1");
    c.setEnv(List.of(new EnvVarBuilder().withName("X").withNewValueFrom().withNewConfigMapKeyRef("nope", "missing-cm", false)
        .endValueFrom().build()));
    h.client().pods().resource(pod("badcfg", "Never", c).build()).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      ContainerStatus cs = status("badcfg", "main");
      assertNotNull(cs);
      assertEquals("CreateContainerConfigError", cs.getState().getWaiting().getReason());
      assertEquals("configmap \"missing-cm\" not found", cs.getState().getWaiting().getMessage());
    });
    assertEquals("Pending", h.get("badcfg").getStatus().getPhase());
  }

  @Test
  void aCrashingContainerBacksOffLongerEachTime() {
    h.client().pods().resource(pod("crash", "Always", sh("main", "echo crashing; exit 1")).build()).create();
    List<Instant> restarts = new ArrayList<>();
    int[] last = {0};
    boolean[] sawBackOff = {false};
    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() -> {
      ContainerStatus cs = status("crash", "main");
      if (cs == null) {
        return false;
      }
      if (cs.getState().getWaiting() != null && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason())) {
        sawBackOff[0] = true;
        assertEquals(1, cs.getLastState().getTerminated().getExitCode());
        assertEquals("Error", cs.getLastState().getTerminated().getReason());
      }
      if (cs.getRestartCount() > last[0]) {
        last[0] = cs.getRestartCount();
        restarts.add(Instant.now());
      }
      return cs.getRestartCount() >= 4;
    });
    assertTrue(sawBackOff[0], "CrashLoopBackOff was reported between restarts");
    // back-off 1s, 2s, 4s: each wait longer than the one before
    Duration first = Duration.between(restarts.get(0), restarts.get(1));
    Duration later = Duration.between(restarts.get(2), restarts.get(3));
    assertTrue(later.compareTo(first.plusMillis(1500)) > 0, "back-off grows: " + first + " then " + later);
    assertEquals("Running", h.get("crash").getStatus().getPhase());
    assertTrue(!events("crash", "BackOff").isEmpty());
  }

  @Test
  void aFailingLivenessProbeRestartsTheContainer() {
    Container c = sh("main", "trap 'exit 0' TERM; touch /tmp/healthy; sleep 2; rm /tmp/healthy; while true; do sleep 0.2; done");
    c.setLivenessProbe(new ProbeBuilder().withNewExec().withCommand("cat", "/tmp/healthy").endExec().withPeriodSeconds(1)
        .withFailureThreshold(2).build());
    h.client().pods().resource(pod("live", "Always", c).build()).create();
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
      ContainerStatus cs = status("live", "main");
      assertNotNull(cs);
      assertTrue(cs.getRestartCount() >= 1, "restarted");
      assertNotNull(cs.getState().getRunning(), "running again");
    });
    List<Event> unhealthy = events("live", "Unhealthy");
    assertTrue(unhealthy.stream().anyMatch(e -> e.getMessage().startsWith("Liveness probe failed")));
    assertEquals(1, unhealthy.size(), "a repeated event is counted, not written again");
    await().atMost(Duration.ofSeconds(5)).until(() -> events("live", "Unhealthy").get(0).getCount() >= 2);
    assertTrue(events("live", "Killing").stream().anyMatch(e -> e.getMessage().contains("failed liveness probe")));
  }

  @Test
  void readinessGatesTheReadyCondition() {
    Container c = sh("main", "trap 'exit 0' TERM; sleep 3; touch /tmp/ready; while true; do sleep 0.2; done");
    c.setReadinessProbe(new ProbeBuilder().withNewExec().withCommand("test", "-f", "/tmp/ready").endExec().withPeriodSeconds(1)
        .build());
    h.client().pods().resource(pod("ready", "Always", c).build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Pod p = h.get("ready");
      assertEquals("Running", p.getStatus().getPhase());
      assertEquals("False", PodLifecycleTest.condition(p, "Ready"));
      assertEquals(false, status("ready", "main").getReady());
    });
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertEquals("True", PodLifecycleTest.condition(h.get("ready"), "Ready"));
      assertEquals(true, status("ready", "main").getReady());
    });
  }

  @Test
  void aContainerOverItsMemoryLimitIsOomKilled() {
    Container c = sh("hog", "exec tail /dev/zero");
    c.setResources(new ResourceRequirementsBuilder().withLimits(Map.of("memory", new Quantity("32Mi"))).build());
    h.client().pods().resource(pod("oom", "Never", c).build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Failed".equals(h.get("oom").getStatus().getPhase()));
    ContainerStatus cs = status("oom", "hog");
    assertEquals("OOMKilled", cs.getState().getTerminated().getReason());
    assertEquals(137, cs.getState().getTerminated().getExitCode());
    assertEquals("Burstable", h.get("oom").getStatus().getQosClass());
  }

  @Test
  void deletionHonoursSigtermAndSendsSigkillAfterTheGracePeriod() throws Exception {
    Pod polite = h.client().pods().resource(pod("polite", "Always",
        sh("main", "trap 'echo got SIGTERM; exit 0' TERM; while true; do sleep 0.1; done")).build()).create();
    Pod stubborn = h.client().pods().resource(pod("stubborn", "Always",
        sh("main", "trap '' TERM; while true; do sleep 0.1; done")).editSpec().withTerminationGracePeriodSeconds(3L).endSpec()
        .build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(h.get("polite").getStatus().getPhase())
        && "Running".equals(h.get("stubborn").getStatus().getPhase()));
    Path politeLog = ShimRuntime.logFile(h.root.resolve("pods").resolve(polite.getMetadata().getUid())
        .resolve("containers/main/0"));
    long t0 = System.nanoTime();
    h.client().pods().resource(stubborn).delete();
    h.client().pods().resource(polite).withGracePeriod(30).delete();
    // the polite one's log is read before the kubelet removes it with the pod
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> !Files.exists(politeLog) || Files.readString(politeLog).contains("got SIGTERM"));
    await().atMost(Duration.ofSeconds(10)).until(() -> h.get("polite") == null);
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 3, "SIGTERM honoured at once");
    await().atMost(Duration.ofSeconds(15)).until(() -> h.get("stubborn") == null);
    long took = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    assertTrue(took >= 3000, "SIGKILL only after the 3 s grace period, took " + took);
    assertTrue(took < 8000, "SIGKILL soon after the grace period, took " + took);
  }

  @Test
  void aPodThatDoesNotFitIsRejectedOutOfcpu() {
    Container c = sh("main", "sleep 1000");
    c.setResources(new ResourceRequirementsBuilder().withRequests(Map.of("cpu", new Quantity("1000"))).build());
    h.client().pods().resource(pod("huge", "Always", c).build()).create();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Pod p = h.get("huge");
      assertEquals("Failed", p.getStatus().getPhase());
      assertEquals("OutOfcpu", p.getStatus().getReason());
      assertTrue(p.getStatus().getMessage().startsWith("Pod was rejected: Node didn't have enough resource: cpu"),
          p.getStatus().getMessage());
    });
    assertNull(h.get("huge").getStatus().getContainerStatuses() == null ? null
        : h.get("huge").getStatus().getContainerStatuses().stream().filter(s -> s.getState().getRunning() != null).findAny().orElse(null));
  }

  @Test
  void initContainersRunInOrderBeforeTheAppContainers() throws Exception {
    Pod pod = pod("init", "Never", sh("app", "cat /data/order")).editSpec()
        .withInitContainers(sh("first", "echo first >> /data/order"), sh("second", "echo second >> /data/order"))
        .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
    for (Container c : pod.getSpec().getInitContainers()) {
      c.setVolumeMounts(List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("data").withMountPath("/data").build()));
    }
    pod.getSpec().getContainers().get(0).setVolumeMounts(pod.getSpec().getInitContainers().get(0).getVolumeMounts());
    Pod p = h.client().pods().resource(pod).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(h.get("init").getStatus().getPhase()));
    assertTrue(log(p, "app").contains("stdout F first\n") && log(p, "app").contains("stdout F second\n"), log(p, "app"));
    assertTrue(log(p, "app").indexOf("first") < log(p, "app").indexOf("second"));
    assertEquals("Completed", h.get("init").getStatus().getInitContainerStatuses().get(1).getState().getTerminated().getReason());
    assertEquals("True", PodLifecycleTest.condition(h.get("init"), "Initialized"));
  }

  @Test
  void aMissingImageIsErrImagePullThenImagePullBackOff() {
    Container c = sh("main", "true");
    c.setImage("127.0.0.1:5999/does-not-exist:1");
    h.client().pods().resource(pod("noimage", "Always", c).build()).create();
    List<String> reasons = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      ContainerStatus cs = status("noimage", "main");
      if (cs != null && cs.getState().getWaiting() != null && !reasons.contains(cs.getState().getWaiting().getReason())) {
        reasons.add(cs.getState().getWaiting().getReason());
      }
      return reasons.contains("ImagePullBackOff");
    });
    // ErrImagePull shows between a failed pull and the next sync, too briefly to poll: its event stays
    assertTrue(events("noimage", "Failed").stream().anyMatch(e -> e.getMessage().equals("Error: ErrImagePull")));
    assertEquals("Pending", h.get("noimage").getStatus().getPhase());
    assertTrue(events("noimage", "Failed").stream().anyMatch(e -> e.getMessage().startsWith("Failed to pull image \"127.0.0.1:5999/does-not-exist:1\"")));
  }

  @Test
  void aHostNetworkPodHasTheNodesAddress() {
    h.client().pods().resource(pod("hostnet", "Always", sh("main", "trap 'exit 0' TERM; while true; do sleep 0.2; done"))
        .editSpec().withHostNetwork(true).endSpec().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(h.get("hostnet").getStatus().getPhase()));
    assertEquals("127.0.0.1", h.get("hostnet").getStatus().getPodIP());
  }

  @Test
  void postStartAndPreStopHooksRun() throws Exception {
    Path host = Files.createTempDirectory(h.root, "hooks-");
    Container c = sh("main", "trap 'exit 0' TERM; while true; do sleep 0.1; done");
    c.setVolumeMounts(List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("host").withMountPath("/host").build()));
    c.setLifecycle(new io.fabric8.kubernetes.api.model.LifecycleBuilder()
        .withNewPostStart().withNewExec().withCommand("sh", "-c", "echo started > /host/post-start").endExec().endPostStart()
        .withNewPreStop().withNewExec().withCommand("sh", "-c", "echo stopping > /host/pre-stop").endExec().endPreStop().build());
    Pod p = h.client().pods().resource(pod("hooks", "Always", c).editSpec().addNewVolume().withName("host")
        .withNewHostPath().withPath(host.toString()).endHostPath().endVolume().endSpec().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(host.resolve("post-start")));
    assertEquals("started\n", Files.readString(host.resolve("post-start")));
    h.client().pods().resource(p).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> h.get("hooks") == null);
    assertEquals("stopping\n", Files.readString(host.resolve("pre-stop")), "preStop ran before SIGTERM");
  }

  @Test
  void securityContextIsApplied() throws Exception {
    Container c = sh("main", "id -u; id -g; touch /x 2>/dev/null && echo writable || echo read-only");
    c.setSecurityContext(new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withRunAsUser(65534L).withRunAsGroup(65534L)
        .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false).build());
    Pod p = h.client().pods().resource(pod("secure", "Never", c).build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(h.get("secure").getStatus().getPhase()));
    String log = log(p, "main");
    assertTrue(log.contains("stdout F 65534\n") && log.contains("stdout F read-only"), log);

    Container root = sh("main", "true");
    root.setSecurityContext(new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withRunAsNonRoot(true).build());
    h.client().pods().resource(pod("nonroot", "Never", root).build()).create();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      ContainerStatus cs = status("nonroot", "main");
      assertNotNull(cs);
      assertEquals("CreateContainerConfigError", cs.getState().getWaiting().getReason());
      assertTrue(cs.getState().getWaiting().getMessage().startsWith("container has runAsNonRoot and image will run as root"));
    });
  }

  @Test
  void hostsHostnameAndResolvConfAreThePods() throws Exception {
    Pod p = h.client().pods().resource(pod("named", "Never", sh("main", "hostname; cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf"))
        .build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(h.get("named").getStatus().getPhase()));
    String log = log(p, "main");
    String ip = h.get("named").getStatus().getPodIP();
    assertTrue(log.contains("stdout F named\n"), log);
    assertTrue(log.contains("stdout F " + ip + "\tnamed\n"), log);
    assertTrue(log.contains("stdout F search default.svc.cluster.local svc.cluster.local cluster.local"), log);
  }
}
