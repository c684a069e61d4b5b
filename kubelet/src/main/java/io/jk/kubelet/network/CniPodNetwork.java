package io.jk.kubelet.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod networking through CNI plugins (spec 1.0). The network is the first {@code .conflist} of the
 * conf dir or, when there is none, a default jk writes for the node's pod CIDR:
 * {@code bridge} (gateway on the bridge, no {@code ipMasq}: masquerading is the proxy's job in jk's
 * own nftables table) with {@code host-local} IPAM, then {@code loopback} (left out when the runtime
 * brings lo up itself, as the kubelet's runtimes do). The list is read once per change of its file,
 * the default built once (the node's pod CIDR does not change), not per pod. {@code portmap} is left
 * out of the default because Debian 12's plugin writes iptables rules outside jk's tables: jk maps
 * {@code hostPort}s itself in {@code table ip jk-hostport} ({@link HostPorts}) unless the network list
 * has a plugin with the {@code portMappings} capability (then that plugin gets them, as CNI says).
 *
 * <p>ADD results are cached under {@code <dataDir>/results/} with the config they were made with,
 * so DEL and CHECK get the {@code prevResult} even after the config changed.
 */
public final class CniPodNetwork implements PodNetwork, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CniPodNetwork.class);
  static final String IFNAME = "eth0";
  private static final int PLUGIN_TIMEOUT_SECONDS = 50;

  private final CniConfig config;
  private final Path results;
  private final Supplier<String> podCidr;
  private final ExecutorService executor;
  private final HostPorts hostPorts;
  /** Whether the default list leaves out {@code loopback}: the OCI runtime brings lo up in a new namespace. */
  private final boolean loopbackByRuntime;
  /** The node's pod CIDR once known (a Node's podCIDR never changes once set): no API read per pod. */
  private volatile String knownCidr;
  /** The default list built for {@link #knownCidr} (written to disk once). */
  private volatile ObjectNode defaultList;
  /** The conf dir's list as last parsed, reused while the file is unchanged. */
  private volatile ParsedList parsedList;

  private record ParsedList(Path file, java.nio.file.attribute.FileTime modified, long size, ObjectNode list) {}

  /** A pod network whose default config (if needed) uses {@code config.podCidr()}. */
  public CniPodNetwork(CniConfig config) {
    this(config, () -> null);
  }

  /**
   * A pod network whose default config uses {@code config.podCidr()} or, when that is null, what
   * {@code podCidr} returns at the first set-up (the Node's {@code spec.podCIDR} is assigned only
   * after the kubelet registered the Node).
   */
  public CniPodNetwork(CniConfig config, Supplier<String> podCidr) {
    this(config, podCidr, false);
  }

  /**
   * As {@link #CniPodNetwork(CniConfig, Supplier)}; with {@code loopbackByRuntime} jk's default list has no
   * {@code loopback} plugin (one plugin exec fewer per pod) because the OCI runtime brings lo up in each
   * sandbox's new network namespace, as jkrt and runc do.
   */
  public CniPodNetwork(CniConfig config, Supplier<String> podCidr, boolean loopbackByRuntime) {
    this.loopbackByRuntime = loopbackByRuntime;
    this.config = config;
    this.podCidr = podCidr;
    this.results = config.dataDir().resolve("results");
    this.hostPorts = new HostPorts(config.nodeNetns());
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "jk-cni-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public Future<PodNetworkStatus> setUp(SandboxNetworkRef sandbox) {
    return async(() -> add(sandbox));
  }

  @Override
  public Future<Void> tearDown(SandboxNetworkRef sandbox) {
    return async(() -> {
      del(sandbox);
      return null;
    });
  }

  @Override
  public Future<Void> check(SandboxNetworkRef sandbox) {
    return async(() -> {
      checkBlocking(sandbox);
      return null;
    });
  }

  /** The network configuration list in use (the conf dir's first {@code .conflist} or jk's default). */
  public ObjectNode networkConfig() throws IOException {
    if (Files.isDirectory(config.confDir())) {
      try (Stream<Path> s = Files.list(config.confDir())) {
        List<Path> lists = s.filter(p -> p.getFileName().toString().endsWith(".conflist")).sorted().toList();
        if (!lists.isEmpty()) {
          Path file = lists.get(0);
          var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
          ParsedList known = parsedList;
          if (known != null && known.file().equals(file) && known.modified().equals(attrs.lastModifiedTime())
              && known.size() == attrs.size()) {
            return known.list();
          }
          JsonNode n = Json.mapper().readTree(file.toFile());
          if (!(n instanceof ObjectNode o) || !n.path("plugins").isArray() || n.path("plugins").isEmpty()) {
            throw new IOException("CNI config " + file + " has no plugins");
          }
          parsedList = new ParsedList(file, attrs.lastModifiedTime(), attrs.size(), o);
          return o;
        }
      }
    }
    return defaultConfig();
  }

  /** jk's default list for the pod CIDR, also written to {@code <dataDir>/net.d/10-jk.conflist} for people to read. */
  ObjectNode defaultConfig() throws IOException {
    ObjectNode built = defaultList;
    if (built != null) {
      return built;
    }
    String cidr = config.podCidr() != null ? config.podCidr() : knownCidr != null ? knownCidr : podCidr.get();
    if (cidr == null || cidr.isBlank()) {
      throw new IOException("no CNI configuration in " + config.confDir() + " and the node has no podCIDR yet");
    }
    if (!cidr.matches("[0-9a-fA-F.:]+/\\d{1,3}")) {
      throw new IOException("podCIDR \"" + cidr + "\" is not a CIDR");
    }
    ObjectNode list = Json.mapper().createObjectNode();
    list.put("cniVersion", "1.0.0").put("name", "jk");
    ArrayNode plugins = list.putArray("plugins");
    ObjectNode bridge = plugins.addObject();
    bridge.put("type", "bridge").put("bridge", config.bridgeName()).put("isGateway", true).put("ipMasq", false)
        .put("hairpinMode", true);
    ObjectNode ipam = bridge.putObject("ipam");
    ipam.put("type", "host-local");
    ipam.putArray("ranges").addArray().addObject().put("subnet", cidr);
    ipam.putArray("routes").addObject().put("dst", cidr.contains(":") ? "::/0" : "0.0.0.0/0");
    ipam.put("dataDir", config.dataDir().resolve("ipam").toAbsolutePath().toString());
    if (!loopbackByRuntime) {
      plugins.addObject().put("type", "loopback");
    }
    Path file = config.dataDir().resolve("net.d/10-jk.conflist");
    Files.createDirectories(file.getParent());
    writeAtomically(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(list));
    knownCidr = cidr;
    defaultList = list;
    return list;
  }

  private PodNetworkStatus add(SandboxNetworkRef sandbox) throws IOException {
    String netnsId = netnsId(sandbox.netnsPath());
    if (netnsId == null) {
      throw new IOException("network namespace " + sandbox.netnsPath() + " of sandbox " + sandbox.sandboxId() + " does not exist");
    }
    if (isProtected(netnsId)) {
      throw new IOException("refusing to set up a pod network in the host's or the node's own network namespace ("
          + sandbox.netnsPath() + ")");
    }
    ObjectNode list = networkConfig();
    JsonNode existing = readCache(sandbox, list);
    if (existing != null && netnsId.equals(existing.path("netnsId").asText(null))) {
      // set up before (e.g. by a kubelet that restarted): the same answer, no second interface
      PodNetworkStatus status = status(existing.path("result"));
      mapHostPorts(list, sandbox, status);
      return status;
    }
    JsonNode prev = null;
    List<JsonNode> done = new ArrayList<>();
    try {
      for (JsonNode plugin : list.path("plugins")) {
        prev = invoke("ADD", list, plugin, sandbox, sandbox.netnsPath().toString(), prev);
        done.add(plugin);
      }
    } catch (IOException e) {
      // undo what the plugins before the failing one set up, as the runtime must
      for (int i = done.size() - 1; i >= 0; i--) {
        try {
          invoke("DEL", list, done.get(i), sandbox, sandbox.netnsPath().toString(), prev);
        } catch (IOException ignored) {
          LOG.warn("CNI cleanup after failed ADD failed sandbox={} error={}", sandbox.sandboxId(), ignored.getMessage());
        }
      }
      throw e;
    }
    ObjectNode cache = Json.mapper().createObjectNode();
    cache.put("kind", "cniCacheV1").put("containerId", sandbox.sandboxId()).put("ifName", IFNAME)
        .put("netns", sandbox.netnsPath().toString()).put("netnsId", netnsId);
    cache.set("config", list);
    cache.set("result", prev == null ? Json.mapper().createObjectNode() : prev);
    Files.createDirectories(results);
    writeAtomically(cacheFile(list.path("name").asText(), sandbox), Json.mapper().writeValueAsBytes(cache));
    PodNetworkStatus status = status(prev);
    try {
      mapHostPorts(list, sandbox, status);
    } catch (IOException e) {
      del(sandbox);
      throw new IOException("mapping host ports: " + e.getMessage(), e);
    }
    LOG.info("Pod network set up sandbox={} pod={}/{} ips={}", sandbox.sandboxId(), sandbox.podNamespace(),
        sandbox.podName(), status.ips());
    return status;
  }

  /** jk's own host port mapping, unless a plugin of the list handles {@code portMappings}. */
  private void mapHostPorts(JsonNode list, SandboxNetworkRef sandbox, PodNetworkStatus status) throws IOException {
    if (sandbox.portMappings().isEmpty() || status.ips() == null) {
      return;
    }
    for (JsonNode plugin : list.path("plugins")) {
      if (plugin.path("capabilities").path("portMappings").asBoolean(false)) {
        return;
      }
    }
    String ipv4 = status.ips().stream().filter(ip -> ip.indexOf(':') < 0).findFirst().orElse(null);
    if (ipv4 != null) {
      hostPorts.add(sandbox.podUid(), ipv4, sandbox.portMappings());
    }
  }

  private void del(SandboxNetworkRef sandbox) throws IOException {
    try {
      hostPorts.remove(sandbox.podUid());
    } catch (IOException e) {
      LOG.warn("Host port removal failed pod={}/{} err={}", sandbox.podNamespace(), sandbox.podName(), e.getMessage());
    }
    ObjectNode current = networkConfig();
    Path cacheFile = cacheFile(current.path("name").asText(), sandbox);
    JsonNode cached = readCache(sandbox, current);
    JsonNode list = cached != null ? cached.path("config") : current;
    JsonNode prev = cached != null && cached.path("result").size() > 0 ? cached.path("result") : null;
    // The namespace path (often /proc/<pid>/ns/net) is used only while it is still the sandbox's own
    // namespace: once the pid is gone or reused, or when it names the host's namespace, plugins get
    // no namespace and only release what they hold outside it (addresses, host veth ends).
    String now = netnsId(sandbox.netnsPath());
    boolean same = now != null && !isProtected(now)
        && (cached == null || now.equals(cached.path("netnsId").asText(null)));
    String netns = same ? sandbox.netnsPath().toString() : "";
    if (!same && now != null) {
      LOG.warn("CNI DEL without namespace: path no longer names the sandbox's namespace sandbox={} netns={}",
          sandbox.sandboxId(), sandbox.netnsPath());
    }
    List<JsonNode> plugins = new ArrayList<>();
    list.path("plugins").forEach(plugins::add);
    IOException first = null;
    for (int i = plugins.size() - 1; i >= 0; i--) {
      try {
        invoke("DEL", list, plugins.get(i), sandbox, netns, prev);
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
    if (cached != null) {
      Files.deleteIfExists(cacheFile(list.path("name").asText(), sandbox));
    }
    Files.deleteIfExists(cacheFile);
    LOG.info("Pod network torn down sandbox={}", sandbox.sandboxId());
  }

  private void checkBlocking(SandboxNetworkRef sandbox) throws IOException {
    ObjectNode current = networkConfig();
    JsonNode cached = readCache(sandbox, current);
    if (cached == null) {
      throw new IOException("no cached CNI result for sandbox " + sandbox.sandboxId() + ": network was not set up");
    }
    String now = netnsId(sandbox.netnsPath());
    if (now == null || !now.equals(cached.path("netnsId").asText(null))) {
      throw new IOException("network namespace of sandbox " + sandbox.sandboxId() + " is gone or changed");
    }
    JsonNode list = cached.path("config");
    String version = list.path("cniVersion").asText("");
    if (version.startsWith("0.1") || version.startsWith("0.2") || version.startsWith("0.3")) {
      return; // CHECK exists from 0.4.0 on
    }
    for (JsonNode plugin : list.path("plugins")) {
      invoke("CHECK", list, plugin, sandbox, sandbox.netnsPath().toString(), cached.path("result"));
    }
  }

  private JsonNode readCache(SandboxNetworkRef sandbox, JsonNode current) throws IOException {
    Path f = cacheFile(current.path("name").asText(), sandbox);
    if (!Files.exists(f)) {
      // the config may have changed its name since ADD: find the sandbox's cache by its id
      if (!Files.isDirectory(results)) {
        return null;
      }
      try (Stream<Path> s = Files.list(results)) {
        f = s.filter(p -> p.getFileName().toString().endsWith("-" + sandbox.sandboxId() + "-" + IFNAME)).findFirst().orElse(null);
      }
      if (f == null) {
        return null;
      }
    }
    return Json.mapper().readTree(f.toFile());
  }

  private Path cacheFile(String network, SandboxNetworkRef sandbox) {
    if (!sandbox.sandboxId().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("invalid sandbox id " + sandbox.sandboxId());
    }
    return results.resolve(network.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + sandbox.sandboxId() + "-" + IFNAME);
  }

  /** Runs one plugin; returns its result (ADD) or the {@code prevResult} passed in (DEL, CHECK). */
  private JsonNode invoke(String command, JsonNode list, JsonNode plugin, SandboxNetworkRef sandbox, String netns,
      JsonNode prev) throws IOException {
    String type = plugin.path("type").asText();
    if (!type.matches("[A-Za-z0-9_.-]+")) {
      throw new IOException("invalid CNI plugin type \"" + type + "\"");
    }
    Path binary = config.binDirs().stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IOException("CNI plugin " + type + " not found in " + config.binDirs()));
    ObjectNode conf = plugin.deepCopy();
    conf.put("cniVersion", list.path("cniVersion").asText("1.0.0"));
    conf.put("name", list.path("name").asText("jk"));
    if (prev != null) {
      conf.set("prevResult", prev);
    }
    if (plugin.path("capabilities").path("portMappings").asBoolean(false) && !sandbox.portMappings().isEmpty()) {
      ArrayNode pm = conf.putObject("runtimeConfig").putArray("portMappings");
      for (SandboxNetworkRef.PortMapping m : sandbox.portMappings()) {
        ObjectNode o = pm.addObject().put("hostPort", m.hostPort()).put("containerPort", m.containerPort())
            .put("protocol", m.protocol() == null ? "tcp" : m.protocol().toLowerCase());
        if (m.hostIp() != null && !m.hostIp().isEmpty()) {
          o.put("hostIP", m.hostIp());
        }
      }
    }
    List<String> cmd = new ArrayList<>();
    if (config.nodeNetns() != null) {
      cmd.addAll(List.of("nsenter", "--net=" + config.nodeNetns(), "--"));
    }
    cmd.add(binary.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", sandbox.sandboxId());
    env.put("CNI_NETNS", netns);
    env.put("CNI_IFNAME", IFNAME);
    env.put("CNI_PATH", String.join(":", config.binDirs().stream().map(Path::toString).toList()));
    env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + sandbox.podNamespace() + ";K8S_POD_NAME="
        + sandbox.podName() + ";K8S_POD_INFRA_CONTAINER_ID=" + sandbox.sandboxId() + ";K8S_POD_UID=" + sandbox.podUid());
    Process p = pb.start();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getErrorStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    }); // stderr drained on another thread so a chatty plugin cannot block on a full pipe
    try (OutputStream in = p.getOutputStream()) {
      in.write(Json.mapper().writeValueAsBytes(conf));
    }
    CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getInputStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    });
    byte[] out;
    try {
      // a hung plugin must not hang the pod worker: bounded wait, then kill
      if (!p.waitFor(PLUGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("CNI plugin " + type + " " + command + " did not finish in " + PLUGIN_TIMEOUT_SECONDS + "s");
      }
      out = stdout.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("reading CNI plugin " + type + " output: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted running CNI plugin " + type, e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(pluginError(type, command, out, err.completeOnTimeout(new byte[0], 5, TimeUnit.SECONDS).join()));
    }
    if (!command.equals("ADD")) {
      return prev;
    }
    JsonNode result = out.length == 0 ? null : Json.mapper().readTree(out);
    return result == null || result.isEmpty() ? prev : result;
  }

  /** The identity ({@code device:inode}) of the network namespace at {@code path}, or null if there is none. */
  static String netnsId(Path path) {
    try {
      Object dev = Files.getAttribute(path, "unix:dev");
      Object ino = Files.getAttribute(path, "unix:ino");
      return dev + ":" + ino;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether {@code id} is the host's, the kubelet's own or the node's namespace: never a pod's. */
  private boolean isProtected(String id) {
    return id.equals(netnsId(Path.of("/proc/1/ns/net"))) || id.equals(netnsId(Path.of("/proc/self/ns/net")))
        || config.nodeNetns() != null && id.equals(netnsId(config.nodeNetns()));
  }

  /** The plugin's CNI error JSON as one message. */
  static String pluginError(String type, String command, byte[] out, byte[] err) {
    String msg;
    try {
      JsonNode e = Json.mapper().readTree(out);
      msg = e.path("msg").asText("");
      if (!e.path("details").asText("").isEmpty()) {
        msg += ": " + e.path("details").asText();
      }
      if (msg.isEmpty()) {
        msg = new String(out, StandardCharsets.UTF_8).strip();
      }
    } catch (IOException | RuntimeException ex) {
      msg = new String(out, StandardCharsets.UTF_8).strip();
    }
    String stderr = new String(err, StandardCharsets.UTF_8).strip();
    if (msg.isEmpty()) {
      msg = stderr;
    }
    return "plugin type=\"" + type + "\" failed (" + command.toLowerCase() + "): " + msg;
  }

  /** The pod's addresses (without prefix length) from a CNI result, those of the pod's interfaces first. */
  static PodNetworkStatus status(JsonNode result) {
    List<String> ips = new ArrayList<>();
    String gateway = null;
    if (result != null) {
      for (JsonNode ip : result.path("ips")) {
        String addr = ip.path("address").asText();
        int slash = addr.indexOf('/');
        ips.add(slash >= 0 ? addr.substring(0, slash) : addr);
        if (gateway == null && ip.hasNonNull("gateway")) {
          gateway = ip.get("gateway").asText();
        }
      }
    }
    return new PodNetworkStatus(List.copyOf(ips), gateway);
  }

  private static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), ".tmp-", "");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private <T> Future<T> async(Callable<T> work) {
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(() -> {
        try {
          promise.complete(work.call());
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
          promise.fail(new IllegalStateException(e.getMessage(), e));
        } catch (Exception e) {
          promise.fail(e);
        }
      });
    } catch (RuntimeException e) {
      promise.fail(e);
    }
    return promise.future();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
