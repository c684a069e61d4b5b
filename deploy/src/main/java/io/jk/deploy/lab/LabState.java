package io.jk.deploy.lab;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.jk.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one lab made, kept in {@code <lab dir>/lab.json} so that {@code jk lab down} (from
 * any process) removes exactly that: the bridge, the node namespaces, the processes (by PID),
 * the mounts under the lab dir and the kubelets' cgroups. It also keeps how the lab was started, so
 * that a process killed by a test is started again with the same flags.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class LabState {
  /** The lab's name. */
  public String name;
  /** The lab's /24, e.g. {@code 172.21.4}. */
  public String subnet;
  /** The lab bridge in the host namespace. */
  public String bridge;
  /** The bridge's (host side) address. */
  public String hostIp;
  /** Process group leader PID of the control plane ({@code jk server}), 0 when not running or split. */
  public long serverPid;
  /** True when the control plane runs as three processes (see {@link #controlPlane}). */
  public boolean splitControlPlane;
  /** The controller-manager's {@code --node-monitor-grace-period} ({@code 16000ms}), null for its default. */
  public String nodeMonitorGracePeriod;
  /** With a split control plane: role (apiserver, scheduler, controller-manager) to process group leader PID. */
  public Map<String, Long> controlPlane = new LinkedHashMap<>();
  /** The nodes, in order. */
  public List<Node> nodes = new ArrayList<>();

  /** One node of the lab. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Node {
    /** Node name, as registered. */
    public String name;
    /** Its network namespace. */
    public String netns;
    /** Host end of its veth (in the bridge); down = partitioned. */
    public String vethHost;
    /** Its address on the lab bridge. */
    public String ip;
    /** The kubelet's cgroup parent (relative to the kubelet's own cgroup). */
    public String cgroupParent;
    /** Agent role (kubelet, proxy) to process group leader PID. */
    public Map<String, Long> pids = new LinkedHashMap<>();
    /** True while the veth is down. */
    public boolean partitioned;
  }

  /** The node called {@code name}, or an error naming the lab's nodes. */
  public Node node(String name) {
    return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("lab " + this.name + " has no node " + name + " (nodes: "
            + nodes.stream().map(n -> n.name).toList() + ")"));
  }

  /** Reads the state file, or null when there is none. */
  public static LabState read(Path dir) throws IOException {
    Path f = dir.resolve("lab.json");
    return Files.exists(f) ? Json.mapper().readValue(f.toFile(), LabState.class) : null;
  }

  /** Writes the state file atomically. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve("lab.json.tmp");
    Json.mapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
    Files.move(tmp, dir.resolve("lab.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
