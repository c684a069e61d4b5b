package io.jk.controllers.podautoscaler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricValueStatus;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Scalable;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.jk.common.controller.Controller;
import io.jk.common.controller.Reconciler;
import io.jk.common.controller.Result;
import io.jk.common.resources.Quantities;
import io.jk.controllers.pods.Pods;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The horizontal pod autoscaler ({@code pkg/controller/podautoscaler}): every sync period, for
 * each autoscaling/v2 HorizontalPodAutoscaler, reads its target's {@code scale} subresource
 * (replicas and selector), the selected pods and their usage from a {@link PodMetricsSource},
 * proposes a replica count per Resource metric ({@link ReplicaCalculator}), takes the largest,
 * applies stabilization, rate policies and the min/max bounds ({@link ScalingRules}), scales
 * through the {@code scale} subresource and writes the status (replicas, current metrics,
 * {@code AbleToScale}/{@code ScalingActive}/{@code ScalingLimited}, {@code lastScaleTime}).
 *
 * <p>Supported: Resource metrics ({@code cpu}, {@code memory}) with Utilization or AverageValue
 * targets; targets Deployment, ReplicaSet, StatefulSet (apps/v1) and ReplicationController.
 * Pods, Object, External and ContainerResource metrics are reported as not supported. The
 * recommendations and scale events behind stabilization live in memory, as in Kubernetes: a
 * restarted controller starts with an empty window.
 */
public final class HorizontalPodAutoscalerController implements Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(HorizontalPodAutoscalerController.class);
  /** Kubernetes' default {@code --horizontal-pod-autoscaler-sync-period}. */
  public static final Duration DEFAULT_SYNC_PERIOD = Duration.ofSeconds(15);
  /** Kubernetes' default {@code --horizontal-pod-autoscaler-downscale-stabilization}. */
  public static final Duration DEFAULT_DOWNSCALE_STABILIZATION = Duration.ofMinutes(5);

  private static final ScalingRules.Rules DEFAULT_UP = new ScalingRules.Rules(Duration.ZERO, "Max",
      List.of(new ScalingRules.Policy("Pods", 4, 15), new ScalingRules.Policy("Percent", 100, 15)));

  private final KubernetesClient client;
  private final SharedIndexInformer<HorizontalPodAutoscaler> informer;
  private final PodMetricsSource metrics;
  private final Duration syncPeriod;
  private final Duration downscaleWindow;
  private final Clock clock;
  private final Map<String, ScalingRules> memory = new ConcurrentHashMap<>();
  private final Controller controller;

  /**
   * A controller over {@code informer} (started by the caller).
   *
   * @param syncPeriod how often each HPA is evaluated
   * @param downscaleWindow the scale-down stabilization window of HPAs that set none
   */
  public HorizontalPodAutoscalerController(KubernetesClient client, SharedIndexInformer<HorizontalPodAutoscaler> informer,
      PodMetricsSource metrics, Duration syncPeriod, Duration downscaleWindow, Clock clock, MeterRegistry registry,
      int workers) {
    this.client = Objects.requireNonNull(client);
    this.informer = informer;
    this.metrics = metrics;
    this.syncPeriod = syncPeriod;
    this.downscaleWindow = downscaleWindow;
    this.clock = clock;
    this.controller = Controller.builder("horizontalpodautoscaling", this, registry).workers(workers)
        .watch(informer, new Controller.Handlers<HorizontalPodAutoscaler>() {
          @Override
          public void onAdd(Controller c, HorizontalPodAutoscaler hpa) {
            c.enqueue(Controller.keyOf(hpa));
          }

          @Override
          public void onUpdate(Controller c, HorizontalPodAutoscaler old, HorizontalPodAutoscaler hpa) {
            // our own status writes must not shorten the sync period: only spec changes count
            if (!Objects.equals(old.getMetadata().getGeneration(), hpa.getMetadata().getGeneration())) {
              c.enqueue(Controller.keyOf(hpa));
            }
          }

          @Override
          public void onDelete(Controller c, HorizontalPodAutoscaler hpa) {
            memory.remove(Controller.keyOf(hpa));
          }
        }).build();
  }

  /** The runner to start and stop. */
  public Controller controller() {
    return controller;
  }

  @Override
  public Result reconcile(String key) throws Exception {
    HorizontalPodAutoscaler hpa = informer.getStore().getByKey(key);
    if (hpa == null || hpa.getMetadata().getDeletionTimestamp() != null || hpa.getSpec() == null) {
      memory.remove(key);
      return Result.done();
    }
    Instant now = clock.instant();
    String ns = hpa.getMetadata().getNamespace();
    Conditions conditions = new Conditions(hpa.getStatus(), now);
    HorizontalPodAutoscalerStatus status = new HorizontalPodAutoscalerStatus();
    status.setObservedGeneration(hpa.getMetadata().getGeneration());
    status.setLastScaleTime(hpa.getStatus() == null ? null : hpa.getStatus().getLastScaleTime());
    ScalingRules remembered = memory.get(key);
    if (remembered != null && remembered.lastScale() != null) {
      // a rescale whose status write failed (409) is still reported on the retry
      String last = remembered.lastScale().truncatedTo(ChronoUnit.SECONDS).toString();
      if (status.getLastScaleTime() == null || status.getLastScaleTime().compareTo(last) < 0) {
        status.setLastScaleTime(last);
      }
    }
    status.setCurrentMetrics(new ArrayList<>());

    CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
    Scalable<?> target = target(ns, ref);
    Scale scale = null;
    String scaleError = target == null ? "unsupported scale target " + (ref == null ? "" : ref.getKind()) : null;
    if (target != null) {
      try {
        scale = target.scale();
        if (scale == null) {
          scaleError = ref.getKind() + " " + ref.getName() + " not found";
        }
      } catch (RuntimeException e) {
        scaleError = String.valueOf(e.getMessage());
      }
    }
    if (scale == null) {
      conditions.set("AbleToScale", false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: "
          + scaleError);
      Integer prev = hpa.getStatus() == null ? null : hpa.getStatus().getCurrentReplicas();
      status.setCurrentReplicas(prev == null ? 0 : prev);
      status.setDesiredReplicas(hpa.getStatus() == null || hpa.getStatus().getDesiredReplicas() == null ? 0
          : hpa.getStatus().getDesiredReplicas());
      writeStatus(hpa, status, conditions);
      return Result.requeueAfter(syncPeriod);
    }
    int current = scale.getSpec() == null || scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
    int observed = scale.getStatus() == null || scale.getStatus().getReplicas() == null ? 0 : scale.getStatus().getReplicas();
    String selector = scale.getStatus() == null ? null : scale.getStatus().getSelector();
    int min = hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
    int max = hpa.getSpec().getMaxReplicas() == null ? min : hpa.getSpec().getMaxReplicas();
    status.setCurrentReplicas(observed);
    conditions.set("AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale");

    int desired;
    if (current == 0 && min != 0) {
      desired = 0;
      conditions.set("ScalingActive", false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
    } else if (current > max) {
      desired = max;
      conditions.set("ScalingLimited", true, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
    } else if (current < min) {
      desired = min;
      conditions.set("ScalingLimited", true, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
    } else {
      Integer proposed = propose(hpa, ns, selector, current, status, conditions);
      if (proposed == null) {
        desired = current; // no usable metric: keep the scale, ScalingActive=False says why
      } else {
        ScalingRules rules = memory.computeIfAbsent(key, k -> new ScalingRules());
        ScalingRules.Decision d = rules.decide(now, current, proposed, min, max, up(hpa), down(hpa));
        desired = d.replicas();
        conditions.set("ScalingLimited", !d.limitReason().equals("DesiredWithinRange"), d.limitReason(), d.limitMessage());
        if (desired == current) {
          if (d.stabilized() != proposed && proposed < current) {
            conditions.set("AbleToScale", true, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation");
          } else if (d.stabilized() != proposed && proposed > current) {
            conditions.set("AbleToScale", true, "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation");
          } else {
            conditions.set("AbleToScale", true, "ReadyForNewScale", "recommended size matches current size");
          }
        }
      }
    }
    if (desired != current) {
      try {
        scale.getSpec().setReplicas(desired);
        target.scale(scale);
      } catch (RuntimeException e) {
        conditions.set("AbleToScale", false, "FailedUpdateScale", "the HPA controller was unable to update the target scale: "
            + e.getMessage());
        status.setDesiredReplicas(current);
        writeStatus(hpa, status, conditions);
        throw e;
      }
      memory.computeIfAbsent(key, k -> new ScalingRules()).recordScale(now, current, desired);
      status.setLastScaleTime(now.truncatedTo(ChronoUnit.SECONDS).toString());
      conditions.set("AbleToScale", true, "SucceededRescale", "the HPA controller was able to update the target scale to " + desired);
      LOG.info("Rescaled hpa={} target={}/{} from={} to={}", key, ref.getKind(), ref.getName(), current, desired);
    }
    status.setDesiredReplicas(desired);
    writeStatus(hpa, status, conditions);
    return Result.requeueAfter(syncPeriod);
  }

  /**
   * The largest replica count the metrics ask for, filling {@code status.currentMetrics}; null
   * when none could be computed (ScalingActive=False set).
   */
  private Integer propose(HorizontalPodAutoscaler hpa, String ns, String selector, int current,
      HorizontalPodAutoscalerStatus status, Conditions conditions) {
    List<MetricSpec> specs = hpa.getSpec().getMetrics() == null || hpa.getSpec().getMetrics().isEmpty()
        ? List.of(defaultCpuMetric()) : hpa.getSpec().getMetrics();
    if (selector == null || selector.isEmpty()) {
      conditions.set("ScalingActive", false, "InvalidSelector", "the HPA target's scale is missing a selector");
      return null;
    }
    List<Pod> pods;
    try {
      pods = client.pods().inNamespace(ns).withLabelSelector(selector).list().getItems();
    } catch (RuntimeException e) {
      conditions.set("ScalingActive", false, "FailedGetResourceMetric", "unable to list the target's pods: " + e.getMessage());
      return null;
    }
    Integer best = null;
    String lastError = null;
    String lastReason = null;
    String validFrom = null;
    for (MetricSpec m : specs) {
      if (!"Resource".equals(m.getType()) || m.getResource() == null) {
        lastReason = "InvalidMetricSourceType";
        lastError = "the HPA was unable to compute the replica count: metric type " + m.getType() + " is not supported by jk";
        status.getCurrentMetrics().add(new MetricStatus());
        continue;
      }
      String resource = m.getResource().getName();
      MetricTarget t = m.getResource().getTarget();
      try {
        ReplicaCalculator.Proposal p = proposeResource(ns, selector, current, pods, resource, t);
        MetricValueStatus value = new MetricValueStatus();
        value.setAverageValue(new Quantity(formatMilli(p.averageMilli(), resource)));
        if (p.utilization() >= 0) {
          value.setAverageUtilization(p.utilization());
        }
        MetricStatus ms = new MetricStatus();
        ms.setType("Resource");
        ms.setResource(new ResourceMetricStatus(value, resource));
        status.getCurrentMetrics().add(ms);
        best = best == null ? p.replicas() : Math.max(best, p.replicas());
        validFrom = resource + " resource" + (p.utilization() >= 0 ? " utilization (percentage of request)" : "");
      } catch (Exception e) {
        lastReason = "FailedGetResourceMetric";
        lastError = "the HPA was unable to compute the replica count: failed to get " + resource + " utilization: " + e.getMessage();
        status.getCurrentMetrics().add(new MetricStatus());
      }
    }
    // an entry per spec keeps the TARGETS column aligned; empty ones (failed metrics) are dropped when none worked
    if (best == null) {
      status.setCurrentMetrics(null);
      conditions.set("ScalingActive", false, lastReason, lastError);
      return null;
    }
    conditions.set("ScalingActive", true, "ValidMetricFound",
        "the HPA was able to successfully calculate a replica count from " + validFrom);
    return best;
  }

  private ReplicaCalculator.Proposal proposeResource(String ns, String selector, int current, List<Pod> pods,
      String resource, MetricTarget t) throws Exception {
    Map<String, Long> usage = metrics.podUsage(ns, selector, resource);
    Set<String> all = new HashSet<>();
    Set<String> ready = new HashSet<>();
    Map<String, Long> requests = new HashMap<>();
    for (Pod p : pods) {
      if (p.getMetadata().getDeletionTimestamp() != null || (p.getStatus() != null
          && ("Failed".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase())))) {
        continue;
      }
      String name = p.getMetadata().getName();
      all.add(name);
      // CPU of a pod that is not Ready says little about load (start-up); memory counts anyway
      if (!"cpu".equals(resource) || Pods.isReady(p)) {
        ready.add(name);
      }
      long req = 0;
      boolean missing = false;
      for (Container c : p.getSpec().getContainers()) {
        Quantity q = c.getResources() == null || c.getResources().getRequests() == null ? null
            : c.getResources().getRequests().get(resource);
        if (q == null) {
          missing = true;
        } else {
          req += Quantities.milli(q);
        }
      }
      if (!missing) {
        requests.put(name, req);
      }
    }
    usage.keySet().retainAll(all);
    String type = t == null ? null : t.getType();
    if ("AverageValue".equals(type) && t.getAverageValue() != null) {
      return ReplicaCalculator.averageValue(current, usage, ready, Quantities.milli(t.getAverageValue()));
    }
    if ("Utilization".equals(type) && t.getAverageUtilization() != null) {
      return ReplicaCalculator.utilization(current, usage, requests, ready, all, t.getAverageUtilization());
    }
    throw new IllegalStateException("unsupported target type " + type + " for a Resource metric");
  }

  private ScalingRules.Rules up(HorizontalPodAutoscaler hpa) {
    HorizontalPodAutoscalerBehavior b = hpa.getSpec().getBehavior();
    return rules(b == null ? null : b.getScaleUp(), DEFAULT_UP);
  }

  private ScalingRules.Rules down(HorizontalPodAutoscaler hpa) {
    HorizontalPodAutoscalerBehavior b = hpa.getSpec().getBehavior();
    return rules(b == null ? null : b.getScaleDown(), new ScalingRules.Rules(downscaleWindow, "Max",
        List.of(new ScalingRules.Policy("Percent", 100, 15))));
  }

  private static ScalingRules.Rules rules(HPAScalingRules r, ScalingRules.Rules dflt) {
    if (r == null) {
      return dflt;
    }
    List<ScalingRules.Policy> policies = new ArrayList<>();
    if (r.getPolicies() != null) {
      r.getPolicies().forEach(p -> policies.add(new ScalingRules.Policy(p.getType(), p.getValue(), p.getPeriodSeconds())));
    }
    return new ScalingRules.Rules(r.getStabilizationWindowSeconds() == null ? dflt.window()
        : Duration.ofSeconds(r.getStabilizationWindowSeconds()), r.getSelectPolicy() == null ? "Max" : r.getSelectPolicy(),
        policies.isEmpty() ? dflt.policies() : policies);
  }

  private static MetricSpec defaultCpuMetric() {
    MetricSpec m = new MetricSpec();
    m.setType("Resource");
    m.setResource(new io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource("cpu",
        new MetricTarget(80, null, "Utilization", null)));
    return m;
  }

  /** A milli-value as a quantity: {@code 250m} of cpu; whole bytes of memory. */
  static String formatMilli(long milli, String resource) {
    if (!"cpu".equals(resource) && milli % 1000 == 0) {
      return Long.toString(milli / 1000);
    }
    return milli % 1000 == 0 ? Long.toString(milli / 1000) : milli + "m";
  }

  /** The scalable resource named by {@code ref}, or null for kinds not supported. */
  private Scalable<?> target(String ns, CrossVersionObjectReference ref) {
    if (ref == null || ref.getName() == null || ref.getKind() == null) {
      return null;
    }
    String group = ref.getApiVersion() == null || !ref.getApiVersion().contains("/") ? ""
        : ref.getApiVersion().substring(0, ref.getApiVersion().indexOf('/'));
    return switch (group + "/" + ref.getKind()) {
      case "apps/Deployment" -> client.apps().deployments().inNamespace(ns).withName(ref.getName());
      case "apps/ReplicaSet" -> client.apps().replicaSets().inNamespace(ns).withName(ref.getName());
      case "apps/StatefulSet" -> client.apps().statefulSets().inNamespace(ns).withName(ref.getName());
      case "/ReplicationController" -> client.replicationControllers().inNamespace(ns).withName(ref.getName());
      default -> null;
    };
  }

  private void writeStatus(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, Conditions conditions) {
    status.setConditions(conditions.list());
    if (Objects.equals(status, hpa.getStatus())) {
      return;
    }
    HorizontalPodAutoscaler copy = new io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder(hpa)
        .withStatus(status).build();
    client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(hpa.getMetadata().getNamespace()).resource(copy)
        .updateStatus();
  }

  /** The three conditions, keeping a condition's transition time while its status stays the same. */
  private static final class Conditions {
    private final Map<String, HorizontalPodAutoscalerCondition> previous = new HashMap<>();
    private final Map<String, HorizontalPodAutoscalerCondition> current = new java.util.LinkedHashMap<>();
    private final String now;

    Conditions(HorizontalPodAutoscalerStatus old, Instant now) {
      this.now = now.truncatedTo(ChronoUnit.SECONDS).toString();
      if (old != null && old.getConditions() != null) {
        old.getConditions().forEach(c -> previous.put(c.getType(), c));
      }
      for (String t : List.of("AbleToScale", "ScalingActive", "ScalingLimited")) {
        if (previous.containsKey(t)) {
          current.put(t, previous.get(t));
        }
      }
    }

    void set(String type, boolean status, String reason, String message) {
      HorizontalPodAutoscalerCondition c = new HorizontalPodAutoscalerCondition();
      c.setType(type);
      c.setStatus(status ? "True" : "False");
      c.setReason(reason);
      c.setMessage(message);
      HorizontalPodAutoscalerCondition before = previous.get(type);
      c.setLastTransitionTime(before != null && c.getStatus().equals(before.getStatus()) ? before.getLastTransitionTime() : now);
      current.put(type, c);
    }

    List<HorizontalPodAutoscalerCondition> list() {
      return new ArrayList<>(current.values());
    }
  }
}
