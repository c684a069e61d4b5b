package io.jk.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import io.jk.common.json.Json;
import io.jk.scheduler.plugins.noderesources.NodeResourcesFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler's settings: the subset of KubeSchedulerConfiguration jk honours (first
 * profile's name, score weights, disabled plugins, NodeResourcesFit scoring strategy,
 * percentageOfNodesToScore, leader election).
 */
public record SchedulerConfig(String schedulerName, int percentageOfNodesToScore,
    NodeResourcesFit.Strategy scoringStrategy, Map<String, Integer> weights,
    Set<String> disabledPlugins, boolean leaderElect, String leaseNamespace, String leaseName,
    Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

  /** Default score weights, as Kubernetes' default profile has them. */
  public static final Map<String, Integer> DEFAULT_WEIGHTS = Map.of(
      "TaintToleration", 3, "NodeAffinity", 2, "PodTopologySpread", 2, "InterPodAffinity", 2,
      "NodeResourcesFit", 1, "NodeResourcesBalancedAllocation", 1);

  /** Every plugin jk knows, in the order they run. */
  public static final List<String> KNOWN_PLUGINS = List.of("NodeName", "NodeUnschedulable",
      "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread",
      "InterPodAffinity", "NodeResourcesBalancedAllocation", "DefaultBinder");

  /** Kubernetes' defaults: default-scheduler, adaptive sampling, LeastAllocated, no election. */
  public static SchedulerConfig defaults() {
    return new SchedulerConfig("default-scheduler", 0, NodeResourcesFit.Strategy.LEAST_ALLOCATED,
        DEFAULT_WEIGHTS, Set.of(), false, "kube-system", "kube-scheduler",
        Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
  }

  /** A copy with another scheduler name. */
  public SchedulerConfig withSchedulerName(String name) {
    return new SchedulerConfig(name, percentageOfNodesToScore, scoringStrategy, weights,
        disabledPlugins, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
        retryPeriod);
  }

  /** A copy with leader election on or off. */
  public SchedulerConfig withLeaderElect(boolean on) {
    return new SchedulerConfig(schedulerName, percentageOfNodesToScore, scoringStrategy, weights,
        disabledPlugins, on, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod);
  }

  /** A copy with other lease timings. */
  public SchedulerConfig withLease(Duration duration, Duration renew, Duration retry) {
    return new SchedulerConfig(schedulerName, percentageOfNodesToScore, scoringStrategy, weights,
        disabledPlugins, leaderElect, leaseNamespace, leaseName, duration, renew, retry);
  }

  /** Reads a KubeSchedulerConfiguration file; every problem found is reported at once. */
  public static SchedulerConfig load(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  /** Parses a KubeSchedulerConfiguration YAML document over the defaults. */
  public static SchedulerConfig parse(String yaml) throws IOException {
    JsonNode root = Json.yamlMapper().readTree(yaml);
    List<String> errors = new ArrayList<>();
    SchedulerConfig d = defaults();
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("scheduler config: not a YAML object");
    }
    String kind = root.path("kind").asText("KubeSchedulerConfiguration");
    if (!kind.equals("KubeSchedulerConfiguration")) {
      errors.add("kind: must be KubeSchedulerConfiguration, got " + kind);
    }
    int pct = root.path("percentageOfNodesToScore").asInt(0);
    if (pct < 0 || pct > 100) {
      errors.add("percentageOfNodesToScore: must be in 0..100, got " + pct);
    }
    JsonNode le = root.path("leaderElection");
    boolean leaderElect = le.path("leaderElect").asBoolean(false);
    String leaseNs = le.path("resourceNamespace").asText(d.leaseNamespace());
    String leaseName = le.path("resourceName").asText(d.leaseName());
    Duration leaseDuration = duration(le.path("leaseDuration"), d.leaseDuration(), errors);
    Duration renew = duration(le.path("renewDeadline"), d.renewDeadline(), errors);
    Duration retry = duration(le.path("retryPeriod"), d.retryPeriod(), errors);
    String name = d.schedulerName();
    Map<String, Integer> weights = new LinkedHashMap<>(DEFAULT_WEIGHTS);
    Set<String> disabled = new HashSet<>();
    NodeResourcesFit.Strategy strategy = d.scoringStrategy();
    JsonNode profiles = root.path("profiles");
    if (profiles.isArray() && profiles.size() > 0) {
      JsonNode p = profiles.get(0);
      name = p.path("schedulerName").asText(name);
      JsonNode plugins = p.path("plugins");
      for (String point : List.of("multiPoint", "preFilter", "filter", "score", "bind")) {
        for (JsonNode e : plugins.path(point).path("disabled")) {
          String n = e.path("name").asText();
          if (n.equals("*")) {
            disabled.addAll(KNOWN_PLUGINS);
          } else {
            checkKnown(n, errors);
            disabled.add(n);
          }
        }
      }
      for (String point : List.of("multiPoint", "preFilter", "filter", "score", "bind")) {
        for (JsonNode e : plugins.path(point).path("enabled")) {
          String n = e.path("name").asText();
          checkKnown(n, errors);
          disabled.remove(n);
          if (e.has("weight")) {
            int w = e.path("weight").asInt();
            if (w < 1 || w > 100) {
              errors.add("plugins." + point + ": weight of " + n + " must be in 1..100");
            }
            weights.put(n, w);
          }
        }
      }
      for (JsonNode pc : p.path("pluginConfig")) {
        if (pc.path("name").asText().equals("NodeResourcesFit")) {
          String type = pc.path("args").path("scoringStrategy").path("type").asText("LeastAllocated");
          switch (type) {
            case "LeastAllocated" -> strategy = NodeResourcesFit.Strategy.LEAST_ALLOCATED;
            case "MostAllocated" -> strategy = NodeResourcesFit.Strategy.MOST_ALLOCATED;
            default -> errors.add("pluginConfig NodeResourcesFit: scoringStrategy.type " + type
                + " is not supported (LeastAllocated, MostAllocated)");
          }
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid scheduler config: " + String.join("; ", errors));
    }
    return new SchedulerConfig(name, pct, strategy, new HashMap<>(weights), disabled,
        leaderElect, leaseNs, leaseName, leaseDuration, renew, retry);
  }

  private static void checkKnown(String name, List<String> errors) {
    if (!KNOWN_PLUGINS.contains(name)) {
      errors.add("plugin " + name + " is not known (known: " + String.join(", ", KNOWN_PLUGINS) + ")");
    }
  }

  private static Duration duration(JsonNode n, Duration dflt, List<String> errors) {
    if (n.isMissingNode() || n.isNull()) {
      return dflt;
    }
    String s = n.asText();
    try {
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      }
      if (s.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add("duration " + s + " is not valid (e.g. 15s, 500ms, 1m)");
    return dflt;
  }
}
