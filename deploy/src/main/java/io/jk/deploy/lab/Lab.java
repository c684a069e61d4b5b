package io.jk.deploy.lab;

import io.jk.proxy.HostCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A multi-node jk cluster on one machine: a lab bridge {@code jkbr-<name>} in the host
 * namespace with one address (so the host reaches NodePorts and the API server), the control
 * plane ({@code jk server --disable-agent}) listening on that address, and per node a network
 * namespace {@code jk-<name>-<node>} with a veth into the bridge running its kubelet and proxy.
 *
 * <p>Addresses: a /24 in 172.20.0.0/14 derived from the lab name, so labs with different names do
 * not collide. Nodes get no default route: only the lab subnet (connected), the service range on
 * the lab link (so ClusterIPs can be routed to the nftables rules) and the other nodes' pod
 * CIDRs (installed by the proxies) are routable, so nothing leaves the lab for the machine's
 * networks. The host gets only the bridge's connected route; its nftables are not touched.
 *
 * <p>With {@link LabConfig#splitControlPlane()} the control plane runs as three processes ({@code
 * jk apiserver}, {@code jk scheduler}, {@code jk controller-manager}), so a test can kill any one of
 * them ({@link #kill(String, String)}) and start it again with the same flags ({@link
 * #start(String, String)}), and pass the controller-manager short timings.
 *
 * <p>Everything made is recorded in {@link LabState} before it is made and removed by {@link
 * #down()}, which also works after a partial {@link #up(int)}.
 */
public final class Lab {
  private static final Logger LOG = LoggerFactory.getLogger(Lab.class);
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,7}");
  static final String SERVICE_CIDR = "10.96.0.0/12";
  static final String CLUSTER_CIDR = "10.244.0.0/16";
  /** Control-plane roles of a split lab, in start order. */
  public static final List<String> CONTROL_PLANE = List.of("apiserver", "scheduler", "controller-manager");
  /** Agent roles on every node. */
  public static final List<String> AGENTS = List.of("kubelet", "proxy");

  private final String name;
  private final Path dir;
  private final HostCommands host = new HostCommands(null);
  private final PrintStream out;

  /** A lab called {@code name} whose files live in {@code dir}. */
  public Lab(String name, Path dir, PrintStream out) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("lab name must be 1-8 lowercase letters or digits, starting with a letter: "
          + name);
    }
    this.name = name;
    this.dir = dir.toAbsolutePath();
    this.out = out;
  }

  /** The default lab directory for {@code name}. */
  public static Path defaultDir(String name) {
    return Path.of("/var/lib/jk/lab", name);
  }

  /** The lab's /24 prefix (three octets), derived from its name: 172.20-23.x. */
  static String subnet(String name) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return "172." + (20 + (h[0] & 3)) + "." + (h[1] & 0xff);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String shortHash(String name) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 3);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The kubeconfig users take. */
  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /** The lab's state, or null when the lab is not up. */
  public LabState state() throws IOException {
    return LabState.read(dir);
  }

  /** Brings the lab up with {@code nodes} nodes and one {@code jk server}; on failure removes whatever it made. */
  public LabState up(int nodes) throws IOException, InterruptedException {
    return up(nodes, LabConfig.defaults());
  }

  /** Brings the lab up with {@code nodes} nodes as {@code config} says; on failure removes whatever it made. */
  public LabState up(int nodes, LabConfig config) throws IOException, InterruptedException {
    if (nodes < 1 || nodes > 50) {
      throw new IllegalArgumentException("--nodes must be 1..50");
    }
    if (LabState.read(dir) != null) {
      throw new IllegalStateException("lab " + name + " is already up (" + dir + "); run jk lab down --name " + name);
    }
    LabState s = new LabState();
    s.name = name;
    s.subnet = subnet(name);
    s.bridge = "jkbr-" + name;
    s.hostIp = s.subnet + ".1";
    s.splitControlPlane = config.splitControlPlane();
    s.nodeMonitorGracePeriod = config.graceFlag();
    Files.createDirectories(dir.resolve("logs"));
    try {
      s.write(dir);
      host.ip("link", "add", s.bridge, "type", "bridge");
      host.ip("addr", "add", s.hostIp + "/24", "dev", s.bridge);
      host.ip("link", "set", s.bridge, "up");
      for (int i = 1; i <= nodes; i++) {
        LabState.Node n = new LabState.Node();
        n.name = name + "-n" + i;
        n.netns = "jk-" + name + "-n" + i;
        n.vethHost = "jv" + shortHash(name) + "n" + i;
        n.ip = s.subnet + "." + (10 + i);
        n.cgroupParent = "jk-lab-" + name + "-n" + i;
        s.nodes.add(n);
        s.write(dir);
        plumbNode(s, n);
      }
      if (s.splitControlPlane) {
        for (String role : CONTROL_PLANE) {
          startControlPlane(s, role);
        }
      } else {
        startServer(s);
        s.write(dir);
        waitForServer();
      }
      writeUserKubeconfig();
      for (LabState.Node n : s.nodes) {
        startAgents(s, n);
        s.write(dir);
      }
      out.println("lab " + name + " is up: " + nodes + " node(s) on " + s.bridge + " (" + s.subnet + ".0/24), "
          + "API server https://" + s.hostIp + ":6443" + (s.splitControlPlane ? " (control plane split in 3 processes)" : ""));
      out.println("  export KUBECONFIG=" + kubeconfig());
      out.println("  kubectl get nodes");
      out.println("  jk lab status --name " + name + "   |   jk lab down --name " + name);
      return s;
    } catch (IOException | RuntimeException | InterruptedException e) {
      LOG.warn("Lab up failed, removing what was made lab={} err=\"{}\"", name, e.getMessage());
      down();
      throw e;
    }
  }

  private void plumbNode(LabState s, LabState.Node n) throws IOException {
    host.ip("netns", "add", n.netns);
    host.ip("link", "add", n.vethHost, "type", "veth", "peer", "name", "eth0", "netns", n.netns);
    host.ip("link", "set", n.vethHost, "master", s.bridge, "up");
    host.ip("-n", n.netns, "link", "set", "lo", "up");
    host.ip("-n", n.netns, "addr", "add", n.ip + "/24", "dev", "eth0");
    host.ip("-n", n.netns, "link", "set", "eth0", "up");
    host.ip("-n", n.netns, "route", "add", SERVICE_CIDR, "dev", "eth0");
    host.run(null, "ip", "netns", "exec", n.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
  }

  private void startServer(LabState s) throws IOException {
    s.serverPid = spawn(null, "server", List.of("server", "--disable-agent",
        "--data-dir", dir.resolve("server").toString(), "--bind-address", s.hostIp,
        "--advertise-address", s.hostIp, "--secure-port", "6443", "--cluster-cidr", CLUSTER_CIDR,
        "--service-cluster-ip-range", SERVICE_CIDR, "--controller-manager-port", "0"));
  }

  /**
   * Starts one process of a split control plane and records its PID; the API server is waited for
   * (it creates the cluster CA the others' credentials are issued from).
   */
  private void startControlPlane(LabState s, String role) throws IOException, InterruptedException {
    Path data = dir.resolve("server");
    List<String> args = switch (role) {
      case "apiserver" -> List.of("apiserver", "--data-dir", data.toString(), "--bind-address", s.hostIp,
          "--advertise-address", s.hostIp, "--secure-port", "6443", "--service-cluster-ip-range", SERVICE_CIDR);
      // each component with the identity Kubernetes gives it; RBAC's bootstrap bindings grant its role
      case "scheduler" -> List.of("scheduler", "--kubeconfig",
          identity(s, "scheduler", "system:kube-scheduler", List.of()).toString(), "--port", "0");
      case "controller-manager" -> {
        List<String> a = new ArrayList<>(List.of("controller-manager", "--kubeconfig",
            identity(s, "controller-manager", "system:kube-controller-manager", List.of()).toString(),
            "--cluster-cidr", CLUSTER_CIDR, "--secure-port", "0",
            // a restarted controller-manager takes over within seconds, not the default 15 s
            "--leader-elect-lease-duration", "8s", "--leader-elect-renew-deadline", "6s",
            "--leader-elect-retry-period", "1s"));
        if (s.nodeMonitorGracePeriod != null) {
          a.addAll(List.of("--node-monitor-grace-period", s.nodeMonitorGracePeriod));
        }
        yield a;
      }
      default -> throw new IllegalArgumentException("unknown control-plane role " + role + " " + CONTROL_PLANE);
    };
    long before = "apiserver".equals(role) ? logLength("apiserver") : 0;
    s.controlPlane.put(role, spawn(null, role, args));
    s.write(dir);
    if ("apiserver".equals(role)) {
      waitForApiServer(s, before);
    }
  }

  private void startAgents(LabState s, LabState.Node n) throws IOException {
    for (String role : AGENTS) {
      startAgent(s, n, role);
    }
  }

  private void startAgent(LabState s, LabState.Node n, String role) throws IOException {
    if (!AGENTS.contains(role)) {
      throw new IllegalArgumentException("unknown node agent " + role + " " + AGENTS);
    }
    Path root = dir.resolve("nodes").resolve(n.name);
    Files.createDirectories(root);
    // each node's own CNI state and (empty) config dir: host-local leases are never shared with the host
    // or other nodes, and the default config follows the node's own podCIDR
    Path cniConf = Files.createDirectories(root.resolve("cni-conf"));
    // the kubelet as system:node:<name> (the Node authorizer), the proxy as system:kube-proxy (system:node-proxier)
    Path nodeCredential = identity(s, n.name + "-kubelet", "system:node:" + n.name, List.of("system:nodes"));
    List<String> kubelet = new ArrayList<>(List.of("kubelet", "--kubeconfig", nodeCredential.toString(),
        "--node-name", n.name, "--node-ip", n.ip, "--root-dir", root.resolve("kubelet").toString(),
        "--cgroup-parent", n.cgroupParent, "--cni-data-dir", root.resolve("cni").toString(),
        "--cni-conf-dir", cniConf.toString(), "--client-ca-file", dir.resolve("server/pki/ca.crt").toString()));
    Path bin = runtimeBinDir();
    if (bin != null) {
      kubelet.addAll(List.of("--runtime-bin-dir", bin.toString()));
    }
    switch (role) {
      case "kubelet" -> n.pids.put("kubelet", spawn(n.netns, n.name + "-kubelet", kubelet));
      case "proxy" -> n.pids.put("proxy", spawn(n.netns, n.name + "-proxy", List.of("proxy", "--kubeconfig",
          identity(s, "kube-proxy", "system:kube-proxy", List.of()).toString(), "--hostname-override", n.name, "--cluster-cidr", CLUSTER_CIDR, "--min-sync-period", "200ms")));
      default -> throw new IllegalArgumentException("unknown node agent " + role + " " + AGENTS);
    }
  }

  /**
   * A kubeconfig for {@code user} in {@code groups} with a client certificate from the lab's cluster CA
   * (written once, in {@code server/<file>.kubeconfig}); the API server must have created its PKI.
   */
  private Path identity(LabState s, String file, String user, List<String> groups) throws IOException {
    Path out = dir.resolve("server").resolve(file + ".kubeconfig");
    if (!Files.exists(out)) {
      io.jk.apiserver.tls.CertificateAuthority ca = io.jk.deploy.join.JoinEndpoint.authority(
          dir.resolve("server/pki"));
      io.jk.apiserver.tls.IssuedCertificate cert = ca.issueClientCertificate(user, groups, Duration.ofDays(365));
      io.jk.common.kubeconfig.Kubeconfigs.write(out, io.jk.common.kubeconfig.Kubeconfigs.Spec.withClientCertificate(
          "https://" + s.hostIp + ":6443", ca.certificatePem(), "jk", user, cert.certificatePem(),
          cert.privateKeyPem(), "default"));
    }
    return out;
  }

  /** Where jkshim/jkrt/pause are: $JK_RUNTIME_BIN, else the build's runtime/target/bin, else the kubelet's default. */
  static Path runtimeBinDir() {
    String env = System.getenv("JK_RUNTIME_BIN");
    if (env != null) {
      return Path.of(env);
    }
    for (Path p : List.of(Path.of("runtime/target/bin"), Path.of("../runtime/target/bin"))) {
      if (Files.isDirectory(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    return null;
  }

  /**
   * Starts {@code LabProcessMain args} as its own session (so it outlives this command and is ended
   * as a process group), in {@code netns} when given; output goes to {@code logs/<log>.log}.
   */
  private long spawn(String netns, String log, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("setsid"));
    if (netns != null) {
      // only the network namespace: `ip netns exec` would also give the process a new mount
      // namespace with /sys remounted, hiding the host's cgroup v1 hierarchies from the kubelet
      cmd.addAll(List.of("nsenter", "--net=/run/netns/" + netns));
    }
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dvertx.disableFileCPResolving=true",
        // SQLite's native library is unpacked in the lab's directory: a killed node leaves nothing in /tmp
        "-Dorg.sqlite.tmpdir=" + dir,
        "-cp", System.getProperty("java.class.path"), LabProcessMain.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs").resolve(log + ".log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    LOG.info("Lab process started lab={} role={} pid={}", name, log, p.pid());
    return p.pid();
  }

  private void waitForServer() throws IOException, InterruptedException {
    waitForServerLog(0);
  }

  private void waitForServerLog(long logOffset) throws IOException, InterruptedException {
    Path admin = dir.resolve("server/admin.kubeconfig");
    Path log = dir.resolve("logs/server.log");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(admin) && Files.exists(log) && Files.size(log) > logOffset) {
        byte[] all = Files.readAllBytes(log);
        if (new String(all, (int) logOffset, all.length - (int) logOffset, StandardCharsets.UTF_8).contains("jk server is ready")) {
          return;
        }
      }
      LabState s = LabState.read(dir);
      if (s != null && !alive(s.serverPid)) {
        throw new IOException("jk server exited; see " + dir.resolve("logs/server.log"));
      }
      Thread.sleep(200); // polling a child's readiness file, not a test
    }
    throw new IOException("jk server not ready within 120s; see " + dir.resolve("logs/server.log"));
  }

  private long logLength(String log) throws IOException {
    Path f = dir.resolve("logs").resolve(log + ".log");
    return Files.exists(f) ? Files.size(f) : 0;
  }

  /**
   * Waits until a just started {@code jk apiserver} has written the admin kubeconfig (it logs so
   * after it serves) in the part of its log after {@code logOffset}.
   */
  private void waitForApiServer(LabState s, long logOffset) throws IOException, InterruptedException {
    Path log = dir.resolve("logs/apiserver.log");
    long pid = s.controlPlane.get("apiserver");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.size(log) > logOffset) {
        byte[] all = Files.readAllBytes(log);
        String fresh = new String(all, (int) logOffset, all.length - (int) logOffset, StandardCharsets.UTF_8);
        if (fresh.contains("Wrote admin kubeconfig")) {
          return;
        }
      }
      if (!alive(pid)) {
        throw new IOException("jk apiserver exited; see " + log);
      }
      Thread.sleep(200); // polling a child's log, not a test
    }
    throw new IOException("jk apiserver not ready within 120s; see " + log);
  }

  private void writeUserKubeconfig() throws IOException {
    Files.copy(dir.resolve("server/admin.kubeconfig"), kubeconfig(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Removes everything the lab made, as recorded in its state file; safe to call twice. */
  public void down() throws IOException {
    LabState s = LabState.read(dir);
    if (s == null) {
      out.println("lab " + name + " is not up");
      return;
    }
    for (LabState.Node n : s.nodes) {
      for (long pid : n.pids.values()) {
        kill(pid);
      }
      n.pids.clear();
    }
    kill(s.serverPid);
    s.serverPid = 0;
    for (long pid : s.controlPlane.values()) {
      kill(pid);
    }
    s.controlPlane.clear();
    // the pods outlive their kubelets by design (their shims detach): end them too
    killShimsUnder(dir);
    for (LabState.Node n : s.nodes) {
      killTasks(nodeCgroups(n.cgroupParent));
    }
    unmountUnder(dir);
    for (LabState.Node n : s.nodes) {
      removeCgroups(n.cgroupParent);
      if (netnsExists(n.netns)) {
        quietly("ip", "netns", "del", n.netns);
      }
    }
    if (Files.exists(Path.of("/sys/class/net", s.bridge))) {
      quietly("ip", "link", "del", s.bridge);
    }
    Files.deleteIfExists(dir.resolve("lab.json"));
    out.println("lab " + name + " is down");
  }

  /** Prints the lab's nodes, addresses and processes. */
  public void status() throws IOException {
    LabState s = LabState.read(dir);
    if (s == null) {
      out.println("lab " + name + " is not up");
      return;
    }
    if (s.splitControlPlane) {
      out.printf("lab %s  bridge %s (%s)  control plane: %s%n", s.name, s.bridge, s.hostIp, describe(s.controlPlane));
    } else {
      out.printf("lab %s  bridge %s (%s)  server pid %d %s%n", s.name, s.bridge, s.hostIp, s.serverPid,
          alive(s.serverPid) ? "running" : "NOT RUNNING");
    }
    out.printf("%-12s %-16s %-16s %-12s %s%n", "NODE", "NETNS", "IP", "NETWORK", "AGENTS");
    for (LabState.Node n : s.nodes) {
      out.printf("%-12s %-16s %-16s %-12s %s%n", n.name, n.netns, n.ip, n.partitioned ? "partitioned" : "connected",
          describe(n.pids));
    }
    out.println("KUBECONFIG=" + kubeconfig());
  }

  private static String describe(Map<String, Long> pids) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, Long> e : pids.entrySet()) {
      b.append(e.getKey()).append('=').append(e.getValue()).append(alive(e.getValue()) ? "" : "(dead)").append(' ');
    }
    return b.length() == 0 ? "stopped" : b.toString().strip();
  }

  /**
   * The PID of a lab process: {@code node} null for the control plane ({@code server}, or with a
   * split control plane {@code apiserver}, {@code scheduler}, {@code controller-manager}), else a
   * node's {@code kubelet} or {@code proxy}. 0 when it is not running.
   */
  public long pid(String role, String node) throws IOException {
    long pid = recorded(requireUp(), role, node);
    return alive(pid) ? pid : 0;
  }

  /**
   * Kills one lab process with SIGKILL (by PID, no chance to clean up: a crash), as {@link
   * #pid(String, String)} names it, and waits until it is gone. Its children (the pods' shims) are
   * not in its process group and keep running.
   */
  public void kill(String role, String node) throws IOException {
    LabState s = requireUp();
    long pid = recorded(s, role, node);
    if (!alive(pid)) {
      throw new IllegalStateException(where(role, node) + " is not running");
    }
    quietly("kill", "-KILL", "--", "-" + pid);
    ProcessHandle.of(pid).ifPresent(h -> {
      try {
        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Lab process did not exit after SIGKILL pid={}", pid);
      }
    });
    record(s, role, node, 0);
    s.write(dir);
    out.println(where(role, node) + ": killed (pid " + pid + ")");
  }

  /** Starts a lab process that is not running (after {@link #kill(String, String)}) with the flags it had. */
  public void start(String role, String node) throws IOException, InterruptedException {
    LabState s = requireUp();
    long pid = recorded(s, role, node);
    if (alive(pid)) {
      throw new IllegalStateException(where(role, node) + " is running (pid " + pid + ")");
    }
    if (node != null) {
      startAgent(s, s.node(node), role);
      s.write(dir);
    } else if ("server".equals(role)) {
      long before = logLength("server");
      startServer(s);
      s.write(dir);
      waitForServerLog(before);
    } else {
      startControlPlane(s, role);
    }
    out.println(where(role, node) + ": started");
  }

  /** The recorded PID of {@code role} (0 when none), checking that the role fits the lab. */
  private static long recorded(LabState s, String role, String node) {
    Long pid;
    if (node != null) {
      if (!AGENTS.contains(role)) {
        throw new IllegalArgumentException("a node runs " + AGENTS + ", not " + role);
      }
      pid = s.node(node).pids.get(role);
    } else if (s.splitControlPlane) {
      if (!CONTROL_PLANE.contains(role)) {
        throw new IllegalArgumentException("the split control plane runs " + CONTROL_PLANE + ", not " + role
            + (AGENTS.contains(role) ? " (name the node)" : ""));
      }
      pid = s.controlPlane.get(role);
    } else {
      if (!"server".equals(role)) {
        throw new IllegalArgumentException("this lab's control plane is one process, server, not " + role
            + (AGENTS.contains(role) ? " (name the node)" : " (jk lab up --split-control-plane runs them apart)"));
      }
      pid = s.serverPid;
    }
    return pid == null ? 0 : pid;
  }

  /** Records {@code pid} for a role that {@link #recorded} accepted; 0 forgets it. */
  private static void record(LabState s, String role, String node, long pid) {
    Map<String, Long> map = node != null ? s.node(node).pids : s.splitControlPlane ? s.controlPlane : null;
    if (map == null) {
      s.serverPid = pid;
    } else if (pid == 0) {
      map.remove(role);
    } else {
      map.put(role, pid);
    }
  }

  private static String where(String role, String node) {
    return node == null ? role : "node " + node + " " + role;
  }

  /** Kills a node's kubelet and proxy (by PID); their pods keep running. */
  public void stopNode(String node) throws IOException {
    LabState s = requireUp();
    LabState.Node n = s.node(node);
    for (long pid : n.pids.values()) {
      kill(pid);
    }
    n.pids.clear();
    s.write(dir);
    out.println("node " + node + ": agents stopped");
  }

  /** Starts a stopped node's kubelet and proxy again. */
  public void startNode(String node) throws IOException {
    LabState s = requireUp();
    LabState.Node n = s.node(node);
    if (n.pids.values().stream().anyMatch(Lab::alive)) {
      throw new IllegalStateException("node " + node + " is running; stop it first");
    }
    n.pids.clear();
    startAgents(s, n);
    s.write(dir);
    out.println("node " + node + ": agents started");
  }

  /** Cuts a node off the lab bridge (its veth down), or reconnects it. */
  public void partition(String node, boolean cut) throws IOException {
    LabState s = requireUp();
    LabState.Node n = s.node(node);
    host.ip("link", "set", n.vethHost, cut ? "down" : "up");
    n.partitioned = cut;
    s.write(dir);
    out.println("node " + node + (cut ? ": partitioned" : ": healed"));
  }

  private LabState requireUp() throws IOException {
    LabState s = LabState.read(dir);
    if (s == null) {
      throw new IllegalStateException("lab " + name + " is not up (" + dir + ")");
    }
    return s;
  }

  static boolean alive(long pid) {
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Ends a process group started by {@link #spawn}: TERM, then KILL after 10 s. */
  private void kill(long pid) {
    if (!alive(pid)) {
      return;
    }
    quietly("kill", "-TERM", "--", "-" + pid);
    ProcessHandle h = ProcessHandle.of(pid).orElse(null);
    if (h != null) {
      try {
        h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        quietly("kill", "-KILL", "--", "-" + pid);
        try {
          h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception ignored) {
          LOG.warn("Lab process did not exit pid={}", pid);
        }
      }
    }
  }

  private static boolean netnsExists(String ns) {
    return Files.exists(Path.of("/run/netns", ns));
  }

  /** Lazily unmounts every mount point at or below {@code root}, deepest first. */
  private void unmountUnder(Path root) throws IOException {
    List<String> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 1) {
        String mp = f[1].replace("\\040", " ");
        if (mp.equals(root.toString()) || mp.startsWith(root + "/")) {
          points.add(mp);
        }
      }
    }
    points.sort(Comparator.comparingInt(String::length).reversed());
    for (String mp : points) {
      quietly("umount", "-l", mp);
    }
  }

  /** Ends (SIGKILL, by PID) every container shim whose bundle lies in this lab's directory. */
  private void killShimsUnder(Path labDir) throws IOException {
    String marker = labDir.toAbsolutePath().normalize() + "/";
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        String cmdline;
        try {
          cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue; // gone meanwhile
        }
        String[] args = cmdline.split("\0");
        if (args.length > 0 && args[0].endsWith("/jkshim") && cmdline.contains(marker)) {
          ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
  }

  /** Every cgroup directory (in every v1 hierarchy, or v2) named {@code parent}: the node's pod cgroups. */
  private static List<Path> nodeCgroups(String parent) throws IOException {
    List<Path> found = new ArrayList<>();
    Path root = Path.of("/sys/fs/cgroup");
    if (!Files.isDirectory(root)) {
      return found;
    }
    try (var walk = Files.walk(root, 8)) {
      walk.filter(d -> d.getFileName() != null && d.getFileName().toString().equals(parent) && Files.isDirectory(d))
          .forEach(found::add);
    } catch (java.io.UncheckedIOException e) {
      // a cgroup vanished during the walk: what was found is enough
    }
    return found;
  }

  /** SIGKILLs, by PID, every task in these cgroups and below, and waits briefly for them to go. */
  private static void killTasks(List<Path> cgroups) throws IOException {
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (Path cg : cgroups) {
      try (var walk = Files.walk(cg)) {
        for (Path procs : walk.filter(f -> f.getFileName().toString().equals("cgroup.procs")).toList()) {
          for (String line : Files.readAllLines(procs)) {
            if (!line.isBlank()) {
              pids.add(Long.parseLong(line.trim()));
            }
          }
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        // removed meanwhile
      }
    }
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(h -> {
        h.destroyForcibly();
        try {
          h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          // reported by the cgroup removal that follows
        }
      });
    }
  }

  /** Removes the (empty, since their processes are gone) cgroups a node's kubelet made below ours. */
  private void removeCgroups(String parent) throws IOException {
    for (Path cg : nodeCgroups(parent)) {
      try (var walk = Files.walk(cg)) {
        walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> d.toFile().delete());
      } catch (java.io.UncheckedIOException e) {
        // removed meanwhile
      }
    }
    Path mount = Path.of("/sys/fs/cgroup");
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      String controllers = f[1].isEmpty() ? "" : f[1].replace("name=", "");
      Path base = controllers.isEmpty() ? mount.resolve("unified") : mount.resolve(controllers.split(",")[0]);
      if (controllers.isEmpty() && !Files.isDirectory(base)) {
        base = mount;
      }
      Path cg = base.resolve(f[2].substring(1)).resolve(parent);
      if (Files.isDirectory(cg)) {
        try (var walk = Files.walk(cg)) {
          walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder())
              .forEach(d -> d.toFile().delete()); // rmdir of a cgroup dir: works once it has no tasks
        }
      }
    }
  }

  private void quietly(String... cmd) {
    try {
      host.run(null, cmd);
    } catch (IOException e) {
      LOG.warn("Lab cleanup step failed cmd=\"{}\" err=\"{}\"", String.join(" ", cmd), e.getMessage());
    }
  }
}
