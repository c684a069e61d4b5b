package io.jk.kubelet.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.jk.common.json.Json;
import io.jk.kubelet.container.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the Summary API document ({@code /stats/summary}, {@code stats.k8s.io/v1alpha1}): CPU
 * ({@code usageCoreNanoSeconds}, {@code usageNanoCores} from the previous sample) and memory
 * ({@code usageBytes}, {@code workingSetBytes} = usage minus inactive file pages) of the node, of
 * each pod (sum of its containers) and of each container, read from cgroup v1 or v2 files.
 *
 * <p>Blocking (file reads): call it off the event loop.
 */
final class StatsSummary {

  private record Sample(long nanos, long at) {}

  private final Path cgroupRoot;
  private final String nodeName;
  private final Map<String, Sample> previous = new ConcurrentHashMap<>();

  StatsSummary(Path cgroupRoot, String nodeName) {
    this.cgroupRoot = cgroupRoot;
    this.nodeName = nodeName;
  }

  ObjectNode summarize(PodContainers pods) {
    String now = Instant.now().toString();
    ObjectNode doc = Json.mapper().createObjectNode();
    ObjectNode node = doc.putObject("node");
    node.put("nodeName", nodeName);
    long nodeCpu = v2() ? v2CpuNanos("") : readLong(cgroupRoot.resolve("cpuacct/cpuacct.usage"));
    cpu(node.putObject("cpu"), "node", nodeCpu, now);
    ObjectNode nodeMem = node.putObject("memory").put("time", now);
    long[] mem = meminfo();
    if (mem != null) {
      nodeMem.put("availableBytes", mem[1]).put("usageBytes", mem[0] - mem[1]).put("workingSetBytes", mem[0] - mem[1]);
    }
    ArrayNode podList = doc.putArray("pods");
    for (Pod pod : pods.pods()) {
      String ns = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      ObjectNode p = podList.addObject();
      p.putObject("podRef").put("name", name).put("namespace", ns).put("uid", pod.getMetadata().getUid());
      ArrayNode containers = p.putArray("containers");
      long podCpu = 0;
      long podUsage = 0;
      long podWorking = 0;
      boolean any = false;
      for (Container c : pod.getSpec().getContainers()) {
        ContainerHandle h = pods.find(ns, name, c.getName(), false).orElse(null);
        if (h == null || !h.running() || h.cgroupPath() == null) {
          continue;
        }
        String rel = h.cgroupPath().startsWith("/") ? h.cgroupPath().substring(1) : h.cgroupPath();
        long cpu = v2() ? v2CpuNanos(rel) : readLong(cgroupRoot.resolve("cpuacct").resolve(rel).resolve("cpuacct.usage"));
        if (cpu < 0 && !v2()) {
          // the path may be the memory hierarchy's (the kubelet nests under its own cgroup, which differs per hierarchy)
          String memOwn = Cgroups.ownPath("memory");
          String suffix = ("/" + rel).startsWith(memOwn + "/") ? ("/" + rel).substring(memOwn.length()) : "/" + rel;
          String cpuRel = (Cgroups.ownPath("cpuacct") + suffix).substring(1);
          cpu = readLong(cgroupRoot.resolve("cpuacct").resolve(cpuRel).resolve("cpuacct.usage"));
        }
        long[] m = memory(rel);
        ObjectNode co = containers.addObject().put("name", c.getName());
        cpu(co.putObject("cpu"), ns + "/" + name + "/" + c.getName(), cpu, now);
        co.putObject("memory").put("time", now).put("usageBytes", m[0]).put("workingSetBytes", m[1]);
        podCpu += Math.max(cpu, 0);
        podUsage += m[0];
        podWorking += m[1];
        any = true;
      }
      if (any) {
        cpu(p.putObject("cpu"), ns + "/" + name, podCpu, now);
        p.putObject("memory").put("time", now).put("usageBytes", podUsage).put("workingSetBytes", podWorking);
      }
    }
    return doc;
  }

  private void cpu(ObjectNode out, String key, long nanos, String now) {
    out.put("time", now);
    if (nanos < 0) {
      return;
    }
    out.put("usageCoreNanoSeconds", nanos);
    long at = System.nanoTime();
    Sample before = previous.put(key, new Sample(nanos, at));
    if (before != null && at > before.at() && nanos >= before.nanos()) {
      out.put("usageNanoCores", (long) ((nanos - before.nanos()) * 1e9 / (at - before.at())));
    }
  }

  private boolean v2() {
    return Files.exists(cgroupRoot.resolve("cgroup.controllers"));
  }

  private long v2CpuNanos(String rel) {
    try {
      for (String line : Files.readAllLines(cgroupRoot.resolve(rel).resolve("cpu.stat"))) {
        if (line.startsWith("usage_usec ")) {
          return Long.parseLong(line.substring(11).trim()) * 1000;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not readable: no figure
    }
    return -1;
  }

  /** {usageBytes, workingSetBytes} of a cgroup. */
  private long[] memory(String rel) {
    Path dir = v2() ? cgroupRoot.resolve(rel) : cgroupRoot.resolve("memory").resolve(rel);
    long usage = Math.max(0, readLong(dir.resolve(v2() ? "memory.current" : "memory.usage_in_bytes")));
    long inactive = statField(dir.resolve("memory.stat"), v2() ? "inactive_file" : "total_inactive_file");
    return new long[] {usage, Math.max(0, usage - Math.max(0, inactive))};
  }

  private static long statField(Path file, String field) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(field + " ")) {
          return Long.parseLong(line.substring(field.length() + 1).trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // absent
    }
    return -1;
  }

  private static long readLong(Path file) {
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** {MemTotal, MemAvailable} in bytes from /proc/meminfo, or null. */
  private static long[] meminfo() {
    long total = -1;
    long available = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        String[] f = line.split("\\s+");
        if (f[0].equals("MemTotal:")) {
          total = Long.parseLong(f[1]) * 1024;
        } else if (f[0].equals("MemAvailable:")) {
          available = Long.parseLong(f[1]) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return null;
    }
    return total < 0 || available < 0 ? null : new long[] {total, available};
  }
}
