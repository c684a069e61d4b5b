package io.jk.kubelet.volume;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.jk.kubelet.image.Commands;
import io.jk.kubelet.image.OverlayRootfsManager;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's volume plugins, each volume under
 * {@code <rootDir>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>}:
 * <ul>
 *   <li>emptyDir: a directory, or with {@code medium: Memory} a tmpfs sized by {@code sizeLimit};
 *   <li>hostPath: the host path itself after the {@code type} check;
 *   <li>configMap, secret, downwardAPI, projected: payloads written by {@link AtomicWriter}
 *       ({@code ..data} symlink swap); secret and projected volumes live on a tmpfs so secret bytes
 *       never reach a disk. ConfigMaps and Secrets are read through the API client.
 * </ul>
 * Projected {@code serviceAccountToken} sources are requested through the TokenRequest API; when
 * the API server refuses, the token file is left out (logged).
 */
public final class DefaultVolumeManager implements VolumeManager, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultVolumeManager.class);
  private static final int DEFAULT_MODE = 0644;

  private final Path podsDir;
  private final KubernetesClient client;
  private final Supplier<Map<String, Quantity>> nodeAllocatable;
  private final ExecutorService executor;

  /**
   * @param rootDir the kubelet's root dir ({@code --root-dir})
   * @param client reads ConfigMaps and Secrets
   * @param nodeAllocatable the node's allocatable resources ({@code cpu}, {@code memory}, ...), the
   *     value a downward API {@code limits.*} reference shows when the container sets no limit
   */
  public DefaultVolumeManager(Path rootDir, KubernetesClient client, Map<String, Quantity> nodeAllocatable) {
    this(rootDir, client, () -> nodeAllocatable);
  }

  /** As above, with the allocatable resources read when needed (e.g. from the Node object). */
  public DefaultVolumeManager(Path rootDir, KubernetesClient client, Supplier<Map<String, Quantity>> nodeAllocatable) {
    this.podsDir = rootDir.resolve("pods");
    this.client = client;
    this.nodeAllocatable = nodeAllocatable;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "jk-volumes-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public Future<Map<String, Path>> setUp(Pod pod) {
    if (volumes(pod).isEmpty()) {
      // nothing to set up: no hand-off to the volume threads on the pod's start path
      return Future.succeededFuture(new LinkedHashMap<>());
    }
    return async(() -> {
      Map<String, Path> out = new LinkedHashMap<>();
      for (Volume v : volumes(pod)) {
        Path p = setUpVolume(pod, v);
        if (v.getEmptyDir() != null) {
          applyFsGroup(pod, p);
        }
        out.put(v.getName(), p);
      }
      return out;
    });
  }

  @Override
  public Future<Void> refresh(Pod pod) {
    return async(() -> {
      for (Volume v : volumes(pod)) {
        if (v.getConfigMap() != null || v.getSecret() != null || v.getDownwardAPI() != null || v.getProjected() != null) {
          setUpVolume(pod, v);
        }
      }
      return null;
    });
  }

  @Override
  public Future<Void> tearDown(String podUid) {
    return async(() -> {
      Path volumes = podDir(podUid).resolve("volumes");
      if (!Files.exists(volumes, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      for (Path mp : OverlayRootfsManager.mountsUnder(volumes)) {
        Commands.run(List.of("umount", mp.toString()));
      }
      List<Path> left = OverlayRootfsManager.mountsUnder(volumes);
      if (!left.isEmpty()) {
        // never delete through a mount: it could be someone else's data
        throw new IOException("volumes of pod " + podUid + " are still mounted: " + left);
      }
      AtomicWriter.removeTree(volumes);
      LOG.info("Volumes torn down podUid={}", podUid);
      return null;
    });
  }

  private static List<Volume> volumes(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
  }

  private Path podDir(String uid) {
    if (uid == null || !uid.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("invalid pod uid \"" + uid + "\"");
    }
    return podsDir.resolve(uid);
  }

  private Path volumeDir(Pod pod, String plugin, String name) {
    if (!name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || name.length() > 253) {
      throw new IllegalArgumentException("invalid volume name \"" + name + "\"");
    }
    return podDir(pod.getMetadata().getUid()).resolve("volumes").resolve("kubernetes.io~" + plugin).resolve(name);
  }

  private Path setUpVolume(Pod pod, Volume v) throws IOException {
    String ns = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
    if (v.getEmptyDir() != null) {
      return emptyDir(volumeDir(pod, "empty-dir", v.getName()), v.getEmptyDir());
    }
    if (v.getHostPath() != null) {
      return hostPath(v.getHostPath());
    }
    if (v.getConfigMap() != null) {
      var src = v.getConfigMap();
      Path dir = volumeDir(pod, "configmap", v.getName());
      writePayload(pod, dir, configMapPayload(ns, src.getName(), src.getItems(), src.getOptional(), mode(src.getDefaultMode())));
      return dir;
    }
    if (v.getSecret() != null) {
      var src = v.getSecret();
      Path dir = volumeDir(pod, "secret", v.getName());
      Map<String, AtomicWriter.FileContent> payload =
          secretPayload(ns, src.getSecretName(), src.getItems(), src.getOptional(), mode(src.getDefaultMode()));
      tmpfs(dir, null);
      writePayload(pod, dir, payload);
      return dir;
    }
    if (v.getDownwardAPI() != null) {
      Path dir = volumeDir(pod, "downward-api", v.getName());
      writePayload(pod, dir, downwardPayload(pod, v.getDownwardAPI().getItems(), mode(v.getDownwardAPI().getDefaultMode())));
      return dir;
    }
    if (v.getProjected() != null) {
      Path dir = volumeDir(pod, "projected", v.getName());
      int defaultMode = mode(v.getProjected().getDefaultMode());
      Map<String, AtomicWriter.FileContent> payload = new TreeMap<>();
      for (VolumeProjection p : v.getProjected().getSources()) {
        if (p.getConfigMap() != null) {
          payload.putAll(configMapPayload(ns, p.getConfigMap().getName(), p.getConfigMap().getItems(), p.getConfigMap().getOptional(), defaultMode));
        } else if (p.getSecret() != null) {
          payload.putAll(secretPayload(ns, p.getSecret().getName(), p.getSecret().getItems(), p.getSecret().getOptional(), defaultMode));
        } else if (p.getDownwardAPI() != null) {
          payload.putAll(downwardPayload(pod, p.getDownwardAPI().getItems(), defaultMode));
        } else if (p.getServiceAccountToken() != null) {
          serviceAccountToken(pod, p.getServiceAccountToken(), defaultMode, payload);
        }
      }
      tmpfs(dir, null);
      writePayload(pod, dir, payload);
      return dir;
    }
    throw new IOException("volume \"" + v.getName() + "\": unsupported volume type");
  }

  /**
   * Gives the pod's {@code fsGroup} an emptyDir, as Kubernetes does: the dir owned by that group,
   * setgid so new files inherit it, group-writable. (Payload volumes get the group when written.)
   */
  private static void applyFsGroup(Pod pod, Path dir) throws IOException {
    Integer gid = fsGroup(pod);
    if (gid != null) {
      Files.setAttribute(dir, "unix:gid", gid);
      Files.setAttribute(dir, "unix:mode", ((int) Files.getAttribute(dir, "unix:mode") & 07777) | 02070);
    }
  }

  private static Integer fsGroup(Pod pod) {
    var sc = pod.getSpec().getSecurityContext();
    return sc == null || sc.getFsGroup() == null ? null : sc.getFsGroup().intValue();
  }

  /** Writes a payload volume; with an fsGroup the files are group-readable and owned by it. */
  private static void writePayload(Pod pod, Path dir, Map<String, AtomicWriter.FileContent> payload) throws IOException {
    Integer gid = fsGroup(pod);
    if (gid != null) {
      Map<String, AtomicWriter.FileContent> withGroup = new TreeMap<>();
      payload.forEach((k, f) -> withGroup.put(k, new AtomicWriter.FileContent(f.data(), f.mode() | 040)));
      payload = withGroup;
    }
    new AtomicWriter(dir).write(payload, gid);
  }

  private static int mode(Integer mode) {
    return mode == null ? DEFAULT_MODE : mode & 0777;
  }

  private Path emptyDir(Path dir, EmptyDirVolumeSource src) throws IOException {
    if ("Memory".equals(src.getMedium())) {
      Long size = src.getSizeLimit() == null ? null : Quantity.getAmountInBytes(src.getSizeLimit()).longValue();
      tmpfs(dir, size);
    } else if (src.getMedium() != null && !src.getMedium().isEmpty()) {
      throw new IOException("emptyDir medium \"" + src.getMedium() + "\" is not supported");
    } else {
      Files.createDirectories(dir);
    }
    Files.setAttribute(dir, "unix:mode", 0777); // as Kubernetes: any container user may write
    return dir;
  }

  private static void tmpfs(Path dir, Long sizeBytes) throws IOException {
    Files.createDirectories(dir);
    if (OverlayRootfsManager.isMountPoint(dir)) {
      return;
    }
    String options = "mode=0755" + (sizeBytes != null && sizeBytes > 0 ? ",size=" + sizeBytes : "");
    Commands.run(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toAbsolutePath().toString()));
  }

  private static Path hostPath(HostPathVolumeSource src) throws IOException {
    Path p = Path.of(src.getPath());
    if (!p.isAbsolute()) {
      throw new IOException("hostPath \"" + src.getPath() + "\" must be an absolute path");
    }
    String type = src.getType() == null ? "" : src.getType();
    switch (type) {
      case "" -> { }
      case "DirectoryOrCreate" -> {
        if (!Files.exists(p)) {
          Files.createDirectories(p);
          Files.setAttribute(p, "unix:mode", 0755);
        }
        require(Files.isDirectory(p), p, "a directory");
      }
      case "Directory" -> require(Files.isDirectory(p), p, "a directory");
      case "FileOrCreate" -> {
        if (!Files.exists(p)) {
          Files.createDirectories(p.getParent());
          Files.createFile(p);
          Files.setAttribute(p, "unix:mode", 0644);
        }
        require(Files.isRegularFile(p), p, "a file");
      }
      case "File" -> require(Files.isRegularFile(p), p, "a file");
      case "Socket" -> require(fileType(p) == 0140000, p, "a socket");
      case "CharDevice" -> require(fileType(p) == 0020000, p, "a character device");
      case "BlockDevice" -> require(fileType(p) == 0060000, p, "a block device");
      default -> throw new IOException("hostPath type \"" + type + "\" is not supported");
    }
    return p;
  }

  private static int fileType(Path p) throws IOException {
    return Files.exists(p) ? (int) Files.getAttribute(p, "unix:mode") & 0170000 : -1;
  }

  private static void require(boolean ok, Path p, String what) throws IOException {
    if (!ok) {
      throw new IOException("hostPath type check failed: " + p + " is not " + what);
    }
  }

  // ---- payloads ----

  private Map<String, AtomicWriter.FileContent> configMapPayload(String ns, String name, List<KeyToPath> items,
      Boolean optional, int defaultMode) throws IOException {
    ConfigMap cm;
    try {
      cm = client.configMaps().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IOException("cannot read configmap \"" + name + "\": " + e.getMessage(), e);
    }
    Map<String, byte[]> data = new TreeMap<>();
    if (cm == null) {
      if (Boolean.TRUE.equals(optional)) {
        return new TreeMap<>();
      }
      throw new IOException("configmap \"" + name + "\" not found");
    }
    if (cm.getData() != null) {
      cm.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    if (cm.getBinaryData() != null) {
      cm.getBinaryData().forEach((k, v) -> data.put(k, Base64.getMimeDecoder().decode(v)));
    }
    return keysToPaths("configmap", name, data, items, optional, defaultMode);
  }

  private Map<String, AtomicWriter.FileContent> secretPayload(String ns, String name, List<KeyToPath> items,
      Boolean optional, int defaultMode) throws IOException {
    Secret s;
    try {
      s = client.secrets().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IOException("cannot read secret \"" + name + "\": " + e.getMessage(), e);
    }
    if (s == null) {
      if (Boolean.TRUE.equals(optional)) {
        return new TreeMap<>();
      }
      throw new IOException("secret \"" + name + "\" not found");
    }
    Map<String, byte[]> data = new TreeMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) -> data.put(k, Base64.getMimeDecoder().decode(v)));
    }
    if (s.getStringData() != null) {
      s.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    return keysToPaths("secret", name, data, items, optional, defaultMode);
  }

  private static Map<String, AtomicWriter.FileContent> keysToPaths(String kind, String name, Map<String, byte[]> data,
      List<KeyToPath> items, Boolean optional, int defaultMode) throws IOException {
    Map<String, AtomicWriter.FileContent> out = new TreeMap<>();
    if (items == null || items.isEmpty()) {
      data.forEach((k, v) -> out.put(k, new AtomicWriter.FileContent(v, defaultMode)));
      return out;
    }
    for (KeyToPath item : items) {
      byte[] v = data.get(item.getKey());
      if (v == null) {
        if (Boolean.TRUE.equals(optional)) {
          continue;
        }
        throw new IOException(kind + " \"" + name + "\" references non-existent " + (kind.equals("secret") ? "secret" : "config")
            + " key: " + item.getKey());
      }
      AtomicWriter.validate(item.getPath());
      out.put(item.getPath(), new AtomicWriter.FileContent(v, item.getMode() == null ? defaultMode : item.getMode() & 0777));
    }
    return out;
  }

  private Map<String, AtomicWriter.FileContent> downwardPayload(Pod pod, List<DownwardAPIVolumeFile> items, int defaultMode)
      throws IOException {
    Map<String, AtomicWriter.FileContent> out = new TreeMap<>();
    if (items == null) {
      return out;
    }
    for (DownwardAPIVolumeFile f : items) {
      AtomicWriter.validate(f.getPath());
      String value;
      if (f.getFieldRef() != null) {
        value = fieldValue(pod, f.getFieldRef().getFieldPath());
      } else if (f.getResourceFieldRef() != null) {
        var r = f.getResourceFieldRef();
        value = resourceValue(pod, r.getContainerName(), r.getResource(), r.getDivisor());
      } else {
        throw new IOException("downwardAPI item \"" + f.getPath() + "\" has neither fieldRef nor resourceFieldRef");
      }
      out.put(f.getPath(), new AtomicWriter.FileContent(value.getBytes(StandardCharsets.UTF_8),
          f.getMode() == null ? defaultMode : f.getMode() & 0777));
    }
    return out;
  }

  /** A downward API field, formatted as Kubernetes does ({@code key="value"} lines for maps). */
  static String fieldValue(Pod pod, String path) throws IOException {
    var m = pod.getMetadata();
    java.util.regex.Matcher sub = java.util.regex.Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
    if (sub.matches()) {
      Map<String, String> map = sub.group(1).equals("labels") ? m.getLabels() : m.getAnnotations();
      return map == null ? "" : map.getOrDefault(sub.group(2), "");
    }
    return switch (path) {
      case "metadata.name" -> m.getName();
      case "metadata.namespace" -> m.getNamespace();
      case "metadata.uid" -> m.getUid();
      case "metadata.labels" -> formatMap(m.getLabels());
      case "metadata.annotations" -> formatMap(m.getAnnotations());
      default -> throw new IOException("unsupported downward API fieldPath \"" + path + "\"");
    };
  }

  private static String formatMap(Map<String, String> map) {
    if (map == null) {
      return "";
    }
    List<String> lines = new ArrayList<>();
    new TreeMap<>(map).forEach((k, v) -> lines.add(k + "=" + quote(v)));
    return String.join("\n", lines);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private String resourceValue(Pod pod, String containerName, String resource, Quantity divisor) throws IOException {
    List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
    if (pod.getSpec().getInitContainers() != null) {
      containers.addAll(pod.getSpec().getInitContainers());
    }
    Container c = containers.stream().filter(x -> x.getName().equals(containerName)).findFirst()
        .orElseThrow(() -> new IOException("downward API resourceFieldRef: no container \"" + containerName + "\""));
    int dot = resource.indexOf('.');
    if (dot < 0) {
      throw new IOException("unsupported downward API resource \"" + resource + "\"");
    }
    String kind = resource.substring(0, dot);
    String name = resource.substring(dot + 1);
    Map<String, Quantity> set = c.getResources() == null ? null
        : kind.equals("limits") ? c.getResources().getLimits() : kind.equals("requests") ? c.getResources().getRequests() : null;
    if (!kind.equals("limits") && !kind.equals("requests")) {
      throw new IOException("unsupported downward API resource \"" + resource + "\"");
    }
    Quantity q = set == null ? null : set.get(name);
    if (q == null && kind.equals("limits")) {
      q = nodeAllocatable.get().get(name);
    }
    BigDecimal amount = q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
    BigDecimal div = divisor == null || divisor.getAmount() == null || divisor.getAmount().isEmpty()
        ? BigDecimal.ONE : Quantity.getAmountInBytes(divisor);
    if (div.signum() <= 0) {
      throw new IOException("downward API divisor must be positive: " + divisor);
    }
    return amount.divide(div, 0, RoundingMode.CEILING).toPlainString();
  }

  private void serviceAccountToken(Pod pod, io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection src, int mode,
      Map<String, AtomicWriter.FileContent> payload) {
    String sa = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
    try {
      var req = new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
          .withAudiences(src.getAudience() == null ? List.of() : List.of(src.getAudience()))
          .withExpirationSeconds(src.getExpirationSeconds() == null ? 3600L : src.getExpirationSeconds())
          .withNewBoundObjectRef().withKind("Pod").withApiVersion("v1").withName(pod.getMetadata().getName())
          .withUid(pod.getMetadata().getUid()).endBoundObjectRef().endSpec().build();
      var resp = client.serviceAccounts().inNamespace(pod.getMetadata().getNamespace()).withName(sa).tokenRequest(req);
      if (resp != null && resp.getStatus() != null && resp.getStatus().getToken() != null) {
        payload.put(src.getPath(), new AtomicWriter.FileContent(resp.getStatus().getToken().getBytes(StandardCharsets.UTF_8), mode));
        return;
      }
    } catch (RuntimeException e) {
      LOG.warn("Service account token unavailable, left out pod={}/{} serviceAccount={} error={}",
          pod.getMetadata().getNamespace(), pod.getMetadata().getName(), sa, e.getMessage());
      return;
    }
    LOG.warn("Service account token request returned no token pod={}/{}", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
  }

  private <T> Future<T> async(Callable<T> work) {
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(() -> {
        try {
          promise.complete(work.call());
        } catch (IOException | IllegalArgumentException e) {
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
