package io.jk.kubelet.container;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.jk.common.json.Json;
import io.jk.common.resources.Quantities;
import io.jk.kubelet.image.ImageConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds OCI runtime {@code config.json} documents: the pod sandbox (pause, holding the network, IPC
 * and UTS namespaces) and each container from its pod spec and image config, as containerd's CRI
 * plugin does. Pure: no I/O.
 */
public final class OciSpecBuilder {

  /** containerd's default capability set. */
  public static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
      "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  /** Every capability, for privileged containers and {@code add: [ALL]}. */
  public static final List<String> ALL_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
      "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
      "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
      "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
      "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
      "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ");

  static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
      "/sys/firmware", "/sys/devices/virtual/powercap");
  static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");

  /** Syscalls RuntimeDefault refuses (EPERM): those Docker's default profile leaves out. */
  static final List<String> SECCOMP_DENIED = List.of("acct", "add_key", "bpf", "clock_adjtime", "clock_settime",
      "create_module", "delete_module", "finit_module", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm",
      "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "move_pages",
      "name_to_handle_at", "nfsservctl", "open_by_handle_at", "perf_event_open", "personality", "pivot_root",
      "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl", "reboot", "request_key",
      "set_mempolicy", "setns", "settimeofday", "stime", "swapoff", "swapon", "sysfs", "_sysctl", "umount",
      "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vm86", "vm86old");

  /**
   * What a container's spec is made of besides the pod.
   *
   * @param env the container's environment, resolved ({@link EnvResolver}), in order
   * @param volumes host paths of the pod's volumes by name
   * @param sandboxPid the pause process whose namespaces the container joins
   * @param rootfs the container's mounted root file system
   * @param podEtc the directory holding the pod's {@code hosts}, {@code hostname}, {@code resolv.conf}
   * @param cgroupsPath the container's cgroup, relative to the kubelet's own
   */
  public record ContainerInput(Pod pod, Container container, ImageConfig image, Map<String, String> env,
      Map<String, Path> volumes, int sandboxPid, Path rootfs, Path podEtc, String cgroupsPath) {}

  private OciSpecBuilder() {}

  /** The pause container of a pod: new pid, network, IPC, UTS and mount namespaces, a read-only root. */
  public static ObjectNode sandbox(Pod pod, Path rootfs, String hostname, String cgroupsPath) {
    ObjectNode spec = base(rootfs, true);
    ObjectNode process = (ObjectNode) spec.get("process");
    process.putArray("args").add("/pause");
    process.putArray("env").add("PATH=/");
    process.putObject("user").put("uid", 0).put("gid", 0);
    caps(process, List.of());
    process.put("noNewPrivileges", true);
    spec.put("hostname", hostname);
    ObjectNode linux = (ObjectNode) spec.get("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String t : List.of("pid", "network", "ipc", "uts", "mount")) {
      ns.addObject().put("type", t);
    }
    linux.put("cgroupsPath", cgroupsPath);
    linux.putObject("resources").putObject("cpu").put("shares", 2);
    return spec;
  }

  /** Makes a sandbox spec share the host's network namespace ({@code hostNetwork: true}). */
  public static void useHostNetwork(ObjectNode sandbox) {
    ArrayNode ns = (ArrayNode) sandbox.get("linux").get("namespaces");
    for (int i = ns.size() - 1; i >= 0; i--) {
      if (ns.get(i).get("type").asText().equals("network")) {
        ns.remove(i);
      }
    }
  }

  /** A container of a pod, joining its sandbox's network, IPC and UTS namespaces. */
  public static ObjectNode container(ContainerInput in) {
    Container c = in.container();
    SecurityContext sc = c.getSecurityContext() == null ? new SecurityContext() : c.getSecurityContext();
    PodSecurityContext psc = in.pod().getSpec().getSecurityContext() == null ? new PodSecurityContext()
        : in.pod().getSpec().getSecurityContext();
    boolean privileged = Boolean.TRUE.equals(sc.getPrivileged());
    ObjectNode spec = base(in.rootfs(), Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()));
    ObjectNode process = (ObjectNode) spec.get("process");
    ArrayNode args = process.putArray("args");
    commandLine(c, in.image(), in.env()).forEach(args::add);
    ArrayNode env = process.putArray("env");
    in.env().forEach((k, v) -> env.add(k + "=" + v));
    stdio(spec, process, env, c, in.env());
    String cwd = notBlank(c.getWorkingDir()) ? c.getWorkingDir() : notBlank(in.image().workingDir()) ? in.image().workingDir() : "/";
    process.put("cwd", cwd);
    long[] ids = user(c, in.pod(), in.image());
    ObjectNode user = process.putObject("user").put("uid", ids[0]).put("gid", ids[1]);
    Set<Long> groups = new LinkedHashSet<>();
    if (psc.getSupplementalGroups() != null) {
      groups.addAll(psc.getSupplementalGroups());
    }
    if (psc.getFsGroup() != null) {
      groups.add(psc.getFsGroup());
    }
    if (!groups.isEmpty()) {
      ArrayNode ag = user.putArray("additionalGids");
      groups.forEach(ag::add);
    }
    caps(process, privileged ? ALL_CAPS : capabilities(sc.getCapabilities()));
    process.put("noNewPrivileges", !privileged && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()));

    ArrayNode mounts = (ArrayNode) spec.get("mounts");
    bind(mounts, "/etc/hosts", in.podEtc().resolve("hosts"), false);
    bind(mounts, "/etc/hostname", in.podEtc().resolve("hostname"), false);
    bind(mounts, "/etc/resolv.conf", in.podEtc().resolve("resolv.conf"), false);
    if (c.getVolumeMounts() != null) {
      for (VolumeMount vm : c.getVolumeMounts()) {
        Path src = in.volumes().get(vm.getName());
        if (src == null) {
          throw new IllegalArgumentException("volume \"" + vm.getName() + "\" of container \"" + c.getName() + "\" is not defined");
        }
        if (notBlank(vm.getSubPath())) {
          src = src.resolve(vm.getSubPath()).normalize();
        }
        bind(mounts, vm.getMountPath(), src, Boolean.TRUE.equals(vm.getReadOnly()));
      }
    }
    ObjectNode linux = (ObjectNode) spec.get("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String t : List.of("pid", "mount", "cgroup")) {
      ns.addObject().put("type", t);
    }
    for (String t : List.of("network", "ipc", "uts")) {
      ns.addObject().put("type", t).put("path", "/proc/" + in.sandboxPid() + "/ns/" + (t.equals("network") ? "net" : t));
    }
    linux.put("cgroupsPath", in.cgroupsPath());
    resources(linux.putObject("resources"), c);
    if (privileged) {
      linux.remove("maskedPaths");
      linux.remove("readonlyPaths");
    }
    String seccomp = seccompType(sc, psc);
    if ("RuntimeDefault".equals(seccomp) && !privileged) {
      linux.set("seccomp", runtimeDefaultSeccomp());
    }
    return spec;
  }

  /** The process's argv as Kubernetes defines it from command/args and the image's entrypoint/cmd. */
  public static List<String> commandLine(Container c, ImageConfig image, Map<String, String> env) {
    List<String> command = c.getCommand() == null ? List.of() : c.getCommand();
    List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
    List<String> out = new ArrayList<>();
    if (!command.isEmpty()) {
      command.forEach(s -> out.add(EnvResolver.expand(s, env)));
      args.forEach(s -> out.add(EnvResolver.expand(s, env)));
    } else {
      out.addAll(image.entrypoint());
      if (!args.isEmpty()) {
        args.forEach(s -> out.add(EnvResolver.expand(s, env)));
      } else {
        out.addAll(image.cmd());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no command specified");
    }
    return out;
  }

  /** uid and gid: securityContext (container over pod) over the image's {@code User}. */
  public static long[] user(Container c, Pod pod, ImageConfig image) {
    SecurityContext sc = c.getSecurityContext();
    PodSecurityContext psc = pod.getSpec().getSecurityContext();
    Long uid = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : psc != null ? psc.getRunAsUser() : null;
    Long gid = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc != null ? psc.getRunAsGroup() : null;
    String imageUser = image.user() == null ? "" : image.user();
    String[] parts = imageUser.split(":", 2);
    if (uid == null) {
      uid = parts[0].isEmpty() ? 0L : numeric(parts[0], "image user");
    }
    if (gid == null) {
      gid = parts.length > 1 ? numeric(parts[1], "image group") : 0L;
    }
    return new long[] {uid, gid};
  }

  /** Whether runAsNonRoot is asked for (container over pod). */
  public static boolean runAsNonRoot(Container c, Pod pod) {
    SecurityContext sc = c.getSecurityContext();
    PodSecurityContext psc = pod.getSpec().getSecurityContext();
    Boolean v = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc != null ? psc.getRunAsNonRoot() : null;
    return Boolean.TRUE.equals(v);
  }

  private static long numeric(String s, String what) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " \"" + s + "\" is not numeric (user names are not supported)");
    }
  }

  static List<String> capabilities(Capabilities c) {
    Set<String> set = new LinkedHashSet<>(DEFAULT_CAPS);
    if (c != null) {
      if (c.getDrop() != null) {
        for (String d : c.getDrop()) {
          if (d.equalsIgnoreCase("ALL")) {
            set.clear();
          } else {
            set.remove(capName(d));
          }
        }
      }
      if (c.getAdd() != null) {
        for (String a : c.getAdd()) {
          if (a.equalsIgnoreCase("ALL")) {
            set.addAll(ALL_CAPS);
          } else {
            set.add(capName(a));
          }
        }
      }
    }
    return new ArrayList<>(set);
  }

  private static String capName(String s) {
    String up = s.toUpperCase();
    return up.startsWith("CAP_") ? up : "CAP_" + up;
  }

  private static String seccompType(SecurityContext sc, PodSecurityContext psc) {
    if (sc.getSeccompProfile() != null) {
      return sc.getSeccompProfile().getType();
    }
    return psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
  }

  static ObjectNode runtimeDefaultSeccomp() {
    ObjectNode s = Json.mapper().createObjectNode();
    s.put("defaultAction", "SCMP_ACT_ALLOW");
    s.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_AARCH64");
    ObjectNode rule = s.putArray("syscalls").addObject();
    ArrayNode names = rule.putArray("names");
    SECCOMP_DENIED.forEach(names::add);
    rule.put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
    return s;
  }

  /** cgroup settings as the kubelet derives them: shares from the cpu request, quota from the limit. */
  static void resources(ObjectNode res, Container c) {
    Map<String, Quantity> req = c.getResources() == null || c.getResources().getRequests() == null ? Map.of()
        : c.getResources().getRequests();
    Map<String, Quantity> lim = c.getResources() == null || c.getResources().getLimits() == null ? Map.of()
        : c.getResources().getLimits();
    ObjectNode cpu = res.putObject("cpu");
    Quantity cpuReq = req.containsKey("cpu") ? req.get("cpu") : lim.get("cpu");
    long shares = cpuReq == null ? 2 : Math.max(2, Quantities.milli(cpuReq) * 1024 / 1000);
    cpu.put("shares", shares);
    if (lim.containsKey("cpu")) {
      long period = 100_000;
      cpu.put("quota", Math.max(1000, Quantities.milli(lim.get("cpu")) * period / 1000)).put("period", period);
    }
    if (lim.containsKey("memory")) {
      long bytes = Quantities.value(lim.get("memory"));
      res.putObject("memory").put("limit", bytes).put("swap", bytes);
    }
  }

  /** The annotation telling the shim to hold a stdin pipe: {@code open} or {@code once} (stdinOnce). */
  public static final String STDIN_ANNOTATION = "io.jk.container.stdin";

  /**
   * {@code tty}: the process gets a terminal ({@code process.terminal}) and, as containerd gives it,
   * {@code TERM=xterm} unless set; {@code stdin}: the shim keeps the process's stdin open for attachers,
   * said by an annotation that the runtime ignores and {@link ShimRuntime} reads.
   */
  private static void stdio(ObjectNode spec, ObjectNode process, ArrayNode env, Container c, Map<String, String> vars) {
    boolean tty = Boolean.TRUE.equals(c.getTty());
    process.put("terminal", tty);
    if (tty && !vars.containsKey("TERM")) {
      env.add("TERM=xterm");
    }
    if (Boolean.TRUE.equals(c.getStdin())) {
      spec.putObject("annotations").put(STDIN_ANNOTATION, Boolean.TRUE.equals(c.getStdinOnce()) ? "once" : "open");
    }
  }

  private static ObjectNode base(Path rootfs, boolean readonlyRoot) {
    ObjectNode spec = Json.mapper().createObjectNode();
    spec.put("ociVersion", "1.0.2");
    ObjectNode process = spec.putObject("process");
    process.put("terminal", false);
    process.put("cwd", "/");
    spec.putObject("root").put("path", rootfs.toString()).put("readonly", readonlyRoot);
    ArrayNode mounts = spec.putArray("mounts");
    mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");
    mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    ObjectNode linux = spec.putObject("linux");
    ArrayNode m = linux.putArray("maskedPaths");
    MASKED.forEach(m::add);
    ArrayNode r = linux.putArray("readonlyPaths");
    READONLY.forEach(r::add);
    return spec;
  }

  private static void caps(ObjectNode process, List<String> caps) {
    ObjectNode c = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = c.putArray(set);
      caps.forEach(a::add);
    }
  }

  private static void bind(ArrayNode mounts, String dest, Path source, boolean readOnly) {
    ObjectNode m = mounts.addObject().put("destination", dest).put("type", "bind").put("source", source.toString());
    ArrayNode o = m.putArray("options").add("rbind").add("rprivate");
    o.add(readOnly ? "ro" : "rw");
  }

  private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
    ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
    ArrayNode o = m.putArray("options");
    for (String s : options) {
      o.add(s);
    }
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  /** Environment of the image, then the container's (which wins), PATH defaulted. */
  public static Map<String, String> mergeEnv(ImageConfig image, Map<String, String> containerEnv) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : image.env()) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.putAll(containerEnv);
    return env;
  }
}
