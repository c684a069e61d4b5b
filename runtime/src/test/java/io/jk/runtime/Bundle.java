package io.jk.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds an OCI bundle (config.json pointing at the shared busybox rootfs) with the
 * defaults of containerd and CRI-O: the usual mounts, masked and read-only paths, the
 * CRI-O capability set, no_new_privs, and new pid/net/ipc/uts/mount/cgroup namespaces.
 */
public final class Bundle {
  static final ObjectMapper JSON = new ObjectMapper();
  /** CRI-O's default capabilities. */
  static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
      "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL");
  static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
      "/sys/firmware", "/sys/devices/virtual/powercap");
  static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");

  final ObjectNode spec = JSON.createObjectNode();

  private Bundle(Path rootfs, String... args) {
    spec.put("ociVersion", "1.0.2");
    ObjectNode process = spec.putObject("process");
    process.put("terminal", false);
    process.putObject("user").put("uid", 0).put("gid", 0);
    ArrayNode a = process.putArray("args");
    for (String s : args) a.add(s);
    process.putArray("env").add("PATH=/bin").add("HOME=/root");
    process.put("cwd", "/");
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode c = caps.putArray(set);
      DEFAULT_CAPS.forEach(c::add);
    }
    process.put("noNewPrivileges", true);
    spec.putObject("root").put("path", rootfs.toString()).put("readonly", true);
    spec.put("hostname", "jkrt-test");
    ArrayNode mounts = spec.putArray("mounts");
    mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
    mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
    mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777");
    ObjectNode linux = spec.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String t : List.of("pid", "network", "ipc", "uts", "mount", "cgroup")) ns.addObject().put("type", t);
    ArrayNode m = linux.putArray("maskedPaths");
    MASKED.forEach(m::add);
    ArrayNode r = linux.putArray("readonlyPaths");
    READONLY.forEach(r::add);
    linux.putObject("resources");
  }

  private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
    ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
    ArrayNode o = m.putArray("options");
    for (String s : options) o.add(s);
  }

  /** A bundle running {@code args} on the shared busybox rootfs. */
  public static Bundle of(String... args) throws IOException, InterruptedException {
    return new Bundle(Rootfs.get(), args);
  }

  ObjectNode linux() {
    return (ObjectNode) spec.get("linux");
  }

  ObjectNode resources() {
    return (ObjectNode) linux().get("resources");
  }

  public Bundle memoryLimit(long bytes) {
    resources().putObject("memory").put("limit", bytes).put("swap", bytes);
    return this;
  }

  public Bundle pidsLimit(long n) {
    resources().putObject("pids").put("limit", n);
    return this;
  }

  public Bundle cpu(long shares, long quota, long period) {
    resources().putObject("cpu").put("shares", shares).put("quota", quota).put("period", period);
    return this;
  }

  public Bundle capabilities(List<String> caps) {
    ObjectNode c = (ObjectNode) spec.get("process").get("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = c.putArray(set);
      caps.forEach(a::add);
    }
    return this;
  }

  /** Joins a namespace of another process by path instead of creating one. */
  public Bundle joinNamespace(String type, String path) {
    ArrayNode ns = (ArrayNode) linux().get("namespaces");
    for (int i = 0; i < ns.size(); i++) {
      if (ns.get(i).get("type").asText().equals(type)) ((ObjectNode) ns.get(i)).put("path", path);
    }
    if (type.equals("uts")) spec.remove("hostname");
    return this;
  }

  public Bundle withoutNamespace(String type) {
    ArrayNode ns = (ArrayNode) linux().get("namespaces");
    for (int i = ns.size() - 1; i >= 0; i--) {
      if (ns.get(i).get("type").asText().equals(type)) ns.remove(i);
    }
    return this;
  }

  /** Writes config.json into a new directory under {@code parent} and returns it. */
  public Path writeTo(Path parent) throws IOException {
    Path dir = Files.createTempDirectory(parent, "bundle-");
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), spec);
    return dir;
  }
}
