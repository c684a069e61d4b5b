package io.jk.apiserver.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a kubelet's Summary API document ({@code stats.k8s.io/v1alpha1}) into a
 * {@link NodeSample}: {@code cpu.usageNanoCores} and {@code memory.workingSetBytes} of the node
 * and of each container. A figure the kubelet has no rate for yet (its first sample) leaves that
 * node's usage, or the whole pod, out, as metrics-server does rather than report zero.
 */
public final class SummaryParser {

  private SummaryParser() {}

  /** The sample in {@code summary} from node {@code nodeName}; {@code fallback} when it names no time. */
  public static NodeSample parse(String nodeName, JsonNode summary, Instant fallback) {
    JsonNode node = summary.path("node");
    Usage nodeUsage = usage(node);
    Instant nodeTime = time(node.path("cpu"), fallback);
    List<NodeSample.PodSample> pods = new ArrayList<>();
    for (JsonNode p : summary.path("pods")) {
      String ns = p.path("podRef").path("namespace").asText("");
      String name = p.path("podRef").path("name").asText("");
      if (ns.isEmpty() || name.isEmpty()) {
        continue;
      }
      List<NodeSample.ContainerSample> containers = new ArrayList<>();
      boolean complete = true;
      Instant podTime = null;
      for (JsonNode c : p.path("containers")) {
        Usage u = usage(c);
        if (u == null) {
          complete = false;
          break;
        }
        containers.add(new NodeSample.ContainerSample(c.path("name").asText(""), u));
        if (podTime == null) {
          podTime = time(c.path("cpu"), nodeTime);
        }
      }
      if (complete && !containers.isEmpty()) {
        pods.add(new NodeSample.PodSample(ns, name, podTime, List.copyOf(containers)));
      }
    }
    return new NodeSample(nodeName, nodeTime, nodeUsage, List.copyOf(pods));
  }

  /** CPU rate and working set of one stats entry, or null when either is missing. */
  private static Usage usage(JsonNode stats) {
    JsonNode cpu = stats.path("cpu").path("usageNanoCores");
    JsonNode mem = stats.path("memory").path("workingSetBytes");
    if (!cpu.canConvertToLong() || !mem.canConvertToLong()) {
      return null;
    }
    return new Usage(Math.max(0, cpu.asLong()), Math.max(0, mem.asLong()));
  }

  private static Instant time(JsonNode stats, Instant fallback) {
    String t = stats.path("time").asText("");
    if (t.isEmpty()) {
      return fallback;
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      return fallback;
    }
  }
}
