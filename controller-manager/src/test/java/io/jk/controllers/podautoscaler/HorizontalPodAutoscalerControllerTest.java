package io.jk.controllers.podautoscaler;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.controllers.Kubectl;
import io.jk.controllers.TestClusterAccess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler against a real API server running the Deployment and ReplicaSet controllers
 * (pods made Ready by the stand-in kubelet), with pod CPU usage set by the test: it scales up
 * within the policies and maxReplicas, scales down only after the stabilization window, writes
 * the status kubectl prints, and reports targets and metrics it cannot use.
 */
class HorizontalPodAutoscalerControllerTest {

  /** Short, so that the test sees a stabilized scale-down in seconds. */
  static final Duration WINDOW = Duration.ofSeconds(4);

  static TestClusterAccess cluster;
  static KubernetesClient client;
  static SharedIndexInformer<HorizontalPodAutoscaler> informer;
  static HorizontalPodAutoscalerController hpaController;
  /** CPU usage per pod, in millicores, by deployment name (pods' "app" label); absent: no metrics. */
  static final Map<String, Long> cpuPerPod = new ConcurrentHashMap<>();
  @TempDir static Path cacheDir;

  @BeforeAll
  static void start() {
    cluster = TestClusterAccess.start(List.of("replicaset", "deployment"));
    client = cluster.client();
    PodMetricsSource source = (ns, selector, resource) -> {
      Map<String, Long> out = new HashMap<>();
      for (Pod p : client.pods().inNamespace(ns).withLabelSelector(selector).list().getItems()) {
        Long v = cpuPerPod.get(p.getMetadata().getLabels().get("app"));
        if (v != null && resource.equals("cpu")) {
          out.put(p.getMetadata().getName(), v);
        }
      }
      return out;
    };
    informer = client.resources(HorizontalPodAutoscaler.class).inAnyNamespace().inform();
    hpaController = new HorizontalPodAutoscalerController(client, informer, source, Duration.ofMillis(300), WINDOW,
        Clock.systemUTC(), new SimpleMeterRegistry(), 2);
    hpaController.controller().start();
  }

  @AfterAll
  static void stop() {
    if (hpaController != null) {
      hpaController.controller().stop();
    }
    if (informer != null) {
      informer.stop();
    }
    cluster.close();
  }

  static Deployment deployment(String name, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("busybox:1")
        .withNewResources().addToRequests("cpu", new Quantity("100m")).endResources().endContainer().endSpec()
        .endTemplate().endSpec().build();
  }

  static HorizontalPodAutoscaler hpa(String name, String kind, int min, int max, int cpuPercent) {
    return new HorizontalPodAutoscalerBuilder()
        .withNewMetadata().withName(name).withNamespace("default").endMetadata()
        .withNewSpec().withMinReplicas(min).withMaxReplicas(max)
        .withNewScaleTargetRef().withApiVersion("apps/v1").withKind(kind).withName(name).endScaleTargetRef()
        .addNewMetric().withType("Resource").withNewResource().withName("cpu")
        .withNewTarget().withType("Utilization").withAverageUtilization(cpuPercent).endTarget().endResource().endMetric()
        .endSpec().build();
  }

  static int replicas(String name) {
    return client.apps().deployments().inNamespace("default").withName(name).get().getSpec().getReplicas();
  }

  static HorizontalPodAutoscaler getHpa(String name) {
    return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").withName(name).get();
  }

  static HorizontalPodAutoscalerCondition condition(String name, String type) {
    HorizontalPodAutoscaler h = getHpa(name);
    if (h == null || h.getStatus() == null || h.getStatus().getConditions() == null) {
      return null;
    }
    return h.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
  }

  static boolean hasCondition(String name, String type, String status, String reason) {
    HorizontalPodAutoscalerCondition c = condition(name, type);
    return c != null && c.getStatus().equals(status) && c.getReason().equals(reason);
  }

  @Test
  void scalesUpToMaxAndDownOnlyAfterTheStabilizationWindow() {
    cpuPerPod.put("web", 300L); // 300% of the 100m request against a 50% target: wants 6
    client.apps().deployments().inNamespace("default").resource(deployment("web", 1)).create();
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").resource(hpa("web", "Deployment", 1, 4, 50))
        .create();

    await().atMost(Duration.ofSeconds(20)).until(() -> replicas("web") == 4);
    await().atMost(Duration.ofSeconds(20)).until(() -> hasCondition("web", "ScalingLimited", "True", "TooManyReplicas")
        && getHpa("web").getStatus().getCurrentReplicas() == 4);
    HorizontalPodAutoscaler h = getHpa("web");
    assertEquals(4, h.getStatus().getDesiredReplicas());
    assertNotNull(h.getStatus().getLastScaleTime());
    assertEquals(300, h.getStatus().getCurrentMetrics().get(0).getResource().getCurrent().getAverageUtilization());
    assertTrue(hasCondition("web", "ScalingActive", "True", "ValidMetricFound"));
    assertTrue(hasCondition("web", "AbleToScale", "True", "ReadyForNewScale")
        || hasCondition("web", "AbleToScale", "True", "SucceededRescale"));
    // never beyond maxReplicas while the load stays high
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> replicas("web") == 4);

    Kubectl.Result get = cluster.kubectl(cacheDir, "get", "hpa", "web");
    assertEquals(0, get.exitCode(), get.output());
    String row = get.output().lines().skip(1).findFirst().orElse("").trim().replaceAll("\\s+", " ");
    assertTrue(row.startsWith("web Deployment/web cpu: 300%/50% 1 4 4 "), get.output());

    cpuPerPod.put("web", 10L); // 10%: wants 1, but the last 4 s recommended 6
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> replicas("web") == 4);
    assertTrue(hasCondition("web", "AbleToScale", "True", "ScaleDownStabilized"), String.valueOf(condition("web", "AbleToScale")));
    await().atMost(Duration.ofSeconds(15)).until(() -> replicas("web") == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> getHpa("web").getStatus().getDesiredReplicas() == 1
        && hasCondition("web", "ScalingLimited", "False", "DesiredWithinRange"));
  }

  @Test
  void scaleUpFollowsTheRatePoliciesAndStaysWithinTheTolerance() {
    // 52% against 50% is within the 10% tolerance: nothing changes
    cpuPerPod.put("calm", 52L);
    client.apps().deployments().inNamespace("default").resource(deployment("calm", 2)).create();
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").resource(hpa("calm", "Deployment", 1, 50, 50))
        .create();
    await().atMost(Duration.ofSeconds(20)).until(() -> hasCondition("calm", "ScalingActive", "True", "ValidMetricFound"));
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> replicas("calm") == 2);
    // 1000% wants 40 pods: the default policies allow max(+4 pods, +100%) = 6 per 15 s period
    cpuPerPod.put("calm", 1000L);
    await().atMost(Duration.ofSeconds(10)).until(() -> replicas("calm") == 6);
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> replicas("calm") == 6);
    assertTrue(hasCondition("calm", "ScalingLimited", "True", "ScaleUpLimit"), String.valueOf(condition("calm", "ScalingLimited")));
  }

  @Test
  void reportsATargetItCannotScaleAndMetricsItCannotGet() {
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").resource(hpa("ghost", "Deployment", 1, 3, 50))
        .create();
    await().atMost(Duration.ofSeconds(20)).until(() -> hasCondition("ghost", "AbleToScale", "False", "FailedGetScale"));

    cpuPerPod.remove("dark"); // no metrics for its pods
    client.apps().deployments().inNamespace("default").resource(deployment("dark", 2)).create();
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default").resource(hpa("dark", "Deployment", 1, 3, 50))
        .create();
    await().atMost(Duration.ofSeconds(20)).until(() -> hasCondition("dark", "ScalingActive", "False", "FailedGetResourceMetric"));
    assertEquals(2, replicas("dark"));
    assertEquals(2, getHpa("dark").getStatus().getDesiredReplicas());
  }
}
