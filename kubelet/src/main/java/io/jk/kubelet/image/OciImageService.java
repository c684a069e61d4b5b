package io.jk.kubelet.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's image store, filled from registries speaking the OCI distribution API or from
 * archives.
 *
 * <pre>
 * &lt;root&gt;/images/blobs/sha256/&lt;hex&gt;   every blob (manifest configs, compressed layers), once per node
 * &lt;root&gt;/images/layers/&lt;hex&gt;         each layer unpacked once, read-only, named by its blob digest
 * &lt;root&gt;/images/index.json         references → image (config digest, layers, config), written atomically
 * </pre>
 *
 * <p>Blocking work runs on the service's two threads; pulls of the same reference and downloads
 * of the same blob are serialized so each happens once.
 */
public final class OciImageService implements ImageService, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OciImageService.class);
  private static final Set<String> INDEX_TYPES = Set.of(
      "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json");

  private final Path root;
  private final Path blobs;
  private final Path layers;
  private final Path indexFile;
  private final RegistryClient registry;
  private final int gcHighPercent;
  private final int gcLowPercent;
  private final ExecutorService executor;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /**
   * Pulls and imports share it; pruning takes it exclusively so it never removes a blob a pull is about to
   * use. A file lock: {@code jk image import} in another process takes it too.
   */
  private final StoreLock storeLock;
  /** Held (exclusively, across processes) while the index is read, changed and written back. */
  private final StoreLock indexLock;
  /** The index file as last read or written here (modified time, size, inode): another writer changes it. */
  private List<Object> indexStamp = List.of();
  /** reference → stored image record (JSON), guarded by {@code this}. */
  private final Map<String, ObjectNode> images = new LinkedHashMap<>();

  /** A store under {@code root} with garbage collection from 85% down to 80% disk usage. */
  public OciImageService(Path root, Set<String> insecureRegistries) {
    this(root, insecureRegistries, 85, 80);
  }

  /**
   * @param root the kubelet's root dir; images live under {@code root/images}
   * @param insecureRegistries registries ({@code host:port}) to speak plain HTTP to (loopback ones always are)
   * @param gcHighPercent disk usage above which {@link #collectGarbage} removes unused images
   * @param gcLowPercent disk usage it removes down to
   */
  public OciImageService(Path root, Set<String> insecureRegistries, int gcHighPercent, int gcLowPercent) {
    this.root = root.resolve("images");
    this.blobs = this.root.resolve("blobs/sha256");
    this.layers = this.root.resolve("layers");
    this.indexFile = this.root.resolve("index.json");
    this.storeLock = StoreLock.of(this.root.resolve(".store.lock"));
    this.indexLock = StoreLock.of(this.root.resolve(".index.lock"));
    this.registry = new RegistryClient(insecureRegistries);
    this.gcHighPercent = gcHighPercent;
    this.gcLowPercent = gcLowPercent;
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "jk-images-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      Files.createDirectories(blobs);
      Files.createDirectories(layers);
      loadIndex();
    } catch (IOException e) {
      throw new UncheckedIOException("image store " + this.root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Future<Image> ensureImage(String reference, PullPolicy policy, List<RegistryCredential> credentials) {
    return async(() -> ensureBlocking(reference, policy, credentials == null ? List.of() : credentials));
  }

  /** {@link #ensureImage} on the calling thread. */
  public Image ensureBlocking(String reference, PullPolicy policy, List<RegistryCredential> credentials) {
    ImageReference ref = ImageReference.parse(reference);
    storeLock.lockShared();
    try {
      return ensureLocked(ref, reference, policy, credentials);
    } finally {
      storeLock.unlockShared();
    }
  }

  private Image ensureLocked(ImageReference ref, String reference, PullPolicy policy, List<RegistryCredential> credentials) {
    synchronized (lock("ref:" + ref)) {
      Optional<Image> present = find(ref.toString());
      if (policy == PullPolicy.NEVER) {
        return present.orElseThrow(() -> new ImagePullException(ImagePullException.Kind.NEVER_PULL,
            "Container image \"" + reference + "\" is not present with pull policy of Never", null));
      }
      if (policy == PullPolicy.IF_NOT_PRESENT && present.isPresent()) {
        touch(ref.toString());
        return present.get();
      }
      return pull(ref, credentials);
    }
  }

  private Image pull(ImageReference ref, List<RegistryCredential> creds) {
    LOG.info("Pulling image reference={}", ref);
    RegistryClient.Manifest top = registry.manifest(ref, ref.manifestRef(), creds);
    RegistryClient.Manifest manifest = top;
    if (INDEX_TYPES.contains(top.mediaType()) || top.json().has("manifests")) {
      String digest = platformManifest(top.json(), ref.toString());
      manifest = registry.manifest(ref, digest, creds);
    }
    JsonNode m = manifest.json();
    if (!m.has("config") || !m.has("layers")) {
      throw RegistryClient.failed("pulling " + ref + ": unsupported manifest type " + manifest.mediaType(), null);
    }
    String configDigest = m.path("config").path("digest").asText();
    ensureBlob(configDigest, target -> registry.blob(ref, configDigest, target, creds));
    List<String> layerDigests = new ArrayList<>();
    for (JsonNode l : m.path("layers")) {
      String digest = l.path("digest").asText();
      String type = l.path("mediaType").asText("");
      if (type.contains("zstd") || type.contains("nondistributable") && !type.contains("tar")) {
        throw RegistryClient.failed("pulling " + ref + ": unsupported layer media type " + type, null);
      }
      ensureBlob(digest, target -> registry.blob(ref, digest, target, creds));
      layerDigests.add(digest);
    }
    String repoDigest = ref.name() + "@" + top.digest();
    Image image = register(List.of(ref.toString()), repoDigest, configDigest, layerDigests);
    LOG.info("Pulled image reference={} id={} layers={}", ref, image.id(), layerDigests.size());
    return image;
  }

  /** The manifest digest for this node's platform in an image index / manifest list. */
  private static String platformManifest(JsonNode index, String ref) {
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> System.getProperty("os.arch");
    };
    for (JsonNode d : index.path("manifests")) {
      JsonNode p = d.path("platform");
      if (p.path("os").asText().equals("linux") && p.path("architecture").asText().equals(arch)) {
        return d.path("digest").asText();
      }
    }
    throw RegistryClient.failed("pulling " + ref + ": no matching manifest for linux/" + arch + " in the manifest list entries", null);
  }

  @Override
  public Optional<Image> find(String reference) {
    String key = reference;
    if (!reference.startsWith("sha256:")) {
      try {
        key = ImageReference.parse(reference).toString();
      } catch (ImagePullException e) {
        return Optional.empty();
      }
    }
    synchronized (this) {
      reloadIfChanged();
      ObjectNode rec = images.get(key);
      if (rec == null) {
        for (Map.Entry<String, ObjectNode> e : images.entrySet()) {
          ObjectNode r = e.getValue();
          if (r.path("id").asText().equals(reference) || r.path("repoDigest").asText().equals(key)) {
            return Optional.of(toImage(e.getKey(), r));
          }
        }
        return Optional.empty();
      }
      return Optional.of(toImage(key, rec));
    }
  }

  @Override
  public synchronized List<Image> list() {
    reloadIfChanged();
    List<Image> out = new ArrayList<>();
    images.forEach((ref, rec) -> out.add(toImage(ref, rec)));
    return out;
  }

  /**
   * Imports every image of an OCI image layout archive or a {@code docker save} archive (tar,
   * optionally gzip-compressed), so nodes without a registry can run them.
   *
   * @return the imported images
   */
  @Override
  public Future<List<Image>> importArchive(Path archive) {
    return async(() -> importBlocking(archive));
  }

  /** {@link #importArchive} on the calling thread. */
  public List<Image> importBlocking(Path archive) {
    Path tmp = null;
    storeLock.lockShared();
    try {
      tmp = Files.createTempDirectory(root, ".import-");
      extract(archive, tmp);
      if (Files.exists(tmp.resolve("oci-layout"))) {
        return importOciLayout(tmp);
      }
      if (Files.exists(tmp.resolve("manifest.json"))) {
        return importDockerSave(tmp);
      }
      throw new IOException("neither an OCI image layout (oci-layout) nor a docker save archive (manifest.json)");
    } catch (IOException e) {
      throw RegistryClient.failed("importing " + archive + ": " + e.getMessage(), e);
    } finally {
      storeLock.unlockShared();
      if (tmp != null) {
        try {
          LayerUnpacker.removeRecursively(tmp);
        } catch (IOException e) {
          LOG.warn("Cannot remove import dir path={} error={}", tmp, e.toString());
        }
      }
    }
  }

  private List<Image> importOciLayout(Path dir) throws IOException {
    List<Image> out = new ArrayList<>();
    JsonNode index = Json.mapper().readTree(dir.resolve("index.json").toFile());
    for (JsonNode d : index.path("manifests")) {
      JsonNode ann = d.path("annotations");
      String name = ann.path("io.containerd.image.name").asText(ann.path("org.opencontainers.image.ref.name").asText(""));
      String digest = d.path("digest").asText();
      JsonNode m = readBlob(dir, digest);
      if (m.has("manifests")) {
        digest = platformManifest(m, name);
        m = readBlob(dir, digest);
      }
      String config = m.path("config").path("digest").asText();
      List<String> layerDigests = new ArrayList<>();
      importBlob(dir, config);
      for (JsonNode l : m.path("layers")) {
        importBlob(dir, l.path("digest").asText());
        layerDigests.add(l.path("digest").asText());
      }
      List<String> refs = new ArrayList<>();
      if (!name.isEmpty()) {
        try {
          refs.add(ImageReference.parse(name).toString());
        } catch (ImagePullException e) {
          LOG.warn("Imported image has no usable name name={} digest={}", name, d.path("digest").asText());
        }
      }
      out.add(register(refs, null, config, layerDigests));
    }
    return out;
  }

  private List<Image> importDockerSave(Path dir) throws IOException {
    List<Image> out = new ArrayList<>();
    for (JsonNode m : Json.mapper().readTree(dir.resolve("manifest.json").toFile())) {
      String config = importFile(dir, m.path("Config").asText());
      List<String> layerDigests = new ArrayList<>();
      for (JsonNode l : m.path("Layers")) {
        layerDigests.add(importFile(dir, l.asText()));
      }
      List<String> refs = new ArrayList<>();
      for (JsonNode t : m.path("RepoTags")) {
        refs.add(ImageReference.parse(t.asText()).toString());
      }
      out.add(register(refs, null, config, layerDigests));
    }
    return out;
  }

  private static JsonNode readBlob(Path dir, String digest) throws IOException {
    return Json.mapper().readTree(blobPath(dir, digest).toFile());
  }

  private static Path blobPath(Path layoutDir, String digest) throws IOException {
    if (!digest.matches("sha256:[a-f0-9]{64}")) {
      throw new IOException("unsupported digest " + digest);
    }
    return layoutDir.resolve("blobs/sha256").resolve(digest.substring(7));
  }

  private void importBlob(Path dir, String digest) throws IOException {
    copyBlob(blobPath(dir, digest), digest);
  }

  /** Imports a file of a docker save archive; its digest is computed, not given. */
  private String importFile(Path dir, String name) throws IOException {
    Path src = dir.resolve(name).normalize();
    if (!src.startsWith(dir)) {
      throw new IOException("archive entry escapes the archive: " + name);
    }
    var md = RegistryClient.sha();
    try (InputStream in = Files.newInputStream(src)) {
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    String digest = "sha256:" + java.util.HexFormat.of().formatHex(md.digest());
    copyBlob(src, digest);
    return digest;
  }

  private void copyBlob(Path src, String digest) {
    ensureBlob(digest, target -> {
      try (InputStream in = Files.newInputStream(src)) {
        RegistryClient.writeVerified(in, digest, target);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private static void extract(Path archive, Path dir) throws IOException {
    try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(archive))) {
      raw.mark(4);
      int b1 = raw.read();
      int b2 = raw.read();
      raw.reset();
      InputStream in = b1 == 0x1f && b2 == 0x8b ? new java.util.zip.GZIPInputStream(raw) : raw;
      TarArchiveInputStream tar = new TarArchiveInputStream(in);
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path p = dir.resolve(e.getName().replaceFirst("^/+", "")).normalize();
        if (!p.startsWith(dir)) {
          throw new IOException("archive entry escapes the archive: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(p);
        } else if (e.isFile()) {
          Files.createDirectories(p.getParent());
          Files.copy(tar, p, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /**
   * Removes unused images, least recently used first, while the disk holding the store is above
   * the high threshold, down to the low one; then removes blobs and layers no image uses.
   *
   * @param inUse references or image ids of containers on the node
   * @return the references removed
   */
  @Override
  public Future<List<String>> collectGarbage(Set<String> inUse) {
    return async(() -> collectBlocking(inUse));
  }

  /** {@link #collectGarbage} on the calling thread. */
  public List<String> collectBlocking(Set<String> inUse) throws IOException {
    FileStore fs = Files.getFileStore(root);
    List<String> removed = new ArrayList<>();
    if (usagePercent(fs) <= gcHighPercent) {
      return removed;
    }
    List<Map.Entry<String, ObjectNode>> candidates;
    synchronized (this) {
      candidates = new ArrayList<>(images.entrySet());
    }
    candidates.sort(Comparator.comparingLong(e -> e.getValue().path("lastUsed").asLong()));
    Set<String> used = new HashSet<>();
    for (String u : inUse) {
      used.add(u);
      find(u).ifPresent(i -> used.add(i.id()));
    }
    for (Map.Entry<String, ObjectNode> e : candidates) {
      if (usagePercent(fs) <= gcLowPercent) {
        break;
      }
      if (used.contains(e.getKey()) || used.contains(e.getValue().path("id").asText())) {
        continue;
      }
      synchronized (this) {
        updateIndex(() -> images.remove(e.getKey()));
      }
      removed.add(e.getKey());
      pruneUnreferenced();
      LOG.info("Removed unused image reference={}", e.getKey());
    }
    return removed;
  }

  /** Removes the image stored under {@code reference} and whatever no other image uses. */
  public boolean remove(String reference) throws IOException {
    String key = reference.startsWith("sha256:") ? reference : ImageReference.parse(reference).toString();
    boolean gone;
    synchronized (this) {
      gone = updateIndex(() -> images.remove(key) != null);
    }
    if (gone) {
      pruneUnreferenced();
    }
    return gone;
  }

  private static int usagePercent(FileStore fs) throws IOException {
    long total = fs.getTotalSpace();
    return total == 0 ? 0 : (int) (100 - fs.getUsableSpace() * 100 / total);
  }

  private void pruneUnreferenced() throws IOException {
    storeLock.lockExclusive();
    try {
      synchronized (this) {
        pruneLocked();
      }
    } finally {
      storeLock.unlockExclusive();
    }
  }

  private void pruneLocked() throws IOException {
    // images another process (jk image import) registered meanwhile are kept too
    reloadIfChanged();
    Set<String> keep = new HashSet<>();
    for (ObjectNode r : images.values()) {
      keep.add(r.path("id").asText().substring(7));
      r.path("layers").forEach(l -> keep.add(l.asText().substring(7)));
    }
    try (var s = Files.list(blobs)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!keep.contains(p.getFileName().toString())) {
          Files.deleteIfExists(p);
        }
      }
    }
    try (var s = Files.list(layers)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".") && !keep.contains(name)) {
          Files.deleteIfExists(layers.resolve("." + name + ".size"));
          LayerUnpacker.removeRecursively(p);
        }
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  // ---- storage ----

  private interface Download {
    void into(Path target);
  }

  private void ensureBlob(String digest, Download download) {
    if (!digest.matches("sha256:[a-f0-9]{64}")) {
      throw RegistryClient.failed("unsupported digest " + digest, null);
    }
    Path target = blobs.resolve(digest.substring(7));
    synchronized (lock(digest)) {
      if (!Files.exists(target)) {
        download.into(target);
      }
    }
  }

  /** Unpacks a layer blob once; returns its unpacked size. */
  private long ensureLayer(String digest) {
    String hex = digest.substring(7);
    Path dir = layers.resolve(hex);
    Path sizeFile = layers.resolve("." + hex + ".size");
    synchronized (lock("layer:" + digest)) {
      try {
        if (Files.isDirectory(dir) && Files.exists(sizeFile)) {
          return Long.parseLong(Files.readString(sizeFile).trim());
        }
        Path tmp = Files.createTempDirectory(layers, ".unpack-");
        try {
          long size = LayerUnpacker.unpack(blobs.resolve(hex), tmp);
          LayerUnpacker.removeRecursively(dir);
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
          Files.writeString(sizeFile, Long.toString(size));
          return size;
        } finally {
          LayerUnpacker.removeRecursively(tmp);
        }
      } catch (IOException e) {
        throw RegistryClient.failed("unpacking layer " + digest + ": " + e.getMessage(), e);
      }
    }
  }

  private Image register(List<String> refs, String repoDigest, String configDigest, List<String> layerDigests) {
    long size = 0;
    for (String d : layerDigests) {
      size += ensureLayer(d);
    }
    JsonNode config;
    try {
      config = Json.mapper().readTree(blobs.resolve(configDigest.substring(7)).toFile()).path("config");
    } catch (IOException e) {
      throw RegistryClient.failed("reading image config " + configDigest + ": " + e.getMessage(), e);
    }
    ObjectNode rec = Json.mapper().createObjectNode();
    rec.put("id", configDigest);
    if (repoDigest != null) {
      rec.put("repoDigest", repoDigest);
    }
    ArrayNode ls = rec.putArray("layers");
    layerDigests.forEach(ls::add);
    rec.set("config", config);
    rec.put("size", size);
    rec.put("lastUsed", System.currentTimeMillis());
    List<String> keys = refs.isEmpty() ? List.of(configDigest) : refs;
    synchronized (this) {
      updateIndex(() -> {
        keys.forEach(k -> images.put(k, rec));
        return null;
      });
      return toImage(keys.get(0), rec);
    }
  }

  private synchronized void touch(String ref) {
    ObjectNode rec = images.get(ref);
    if (rec != null) {
      rec.put("lastUsed", System.currentTimeMillis());
    }
  }

  private Image toImage(String ref, ObjectNode rec) {
    List<Path> dirs = new ArrayList<>();
    rec.path("layers").forEach(l -> dirs.add(layers.resolve(l.asText().substring(7))));
    JsonNode c = rec.path("config");
    List<String> ports = new ArrayList<>();
    c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    Map<String, String> labels = new LinkedHashMap<>();
    c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    ImageConfig cfg = new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
        c.path("WorkingDir").asText(""), c.path("User").asText(""), ports, labels, c.path("StopSignal").asText(""));
    String repoDigest = rec.hasNonNull("repoDigest") ? rec.get("repoDigest").asText() : null;
    return new Image(ref, rec.path("id").asText(), repoDigest, List.copyOf(dirs), cfg, rec.path("size").asLong());
  }

  private static List<String> strings(JsonNode arr) {
    List<String> out = new ArrayList<>();
    arr.forEach(n -> out.add(n.asText()));
    return List.copyOf(out);
  }

  private void loadIndex() throws IOException {
    List<Object> stamp = stamp();
    if (!Files.exists(indexFile)) {
      indexStamp = stamp;
      return;
    }
    JsonNode idx = Json.mapper().readTree(indexFile.toFile());
    Map<String, ObjectNode> read = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = idx.path("images").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue() instanceof ObjectNode o) {
        ObjectNode mine = images.get(e.getKey());
        if (mine != null && mine.path("id").equals(o.path("id")) && mine.path("lastUsed").asLong() > o.path("lastUsed").asLong()) {
          // this process used it later than the file says (use times are kept in memory)
          o.put("lastUsed", mine.path("lastUsed").asLong());
        }
        read.put(e.getKey(), o);
      }
    }
    images.clear();
    images.putAll(read);
    indexStamp = stamp;
  }

  /** Re-reads the index when another process (jk image import) replaced it. Caller holds {@code this}. */
  private void reloadIfChanged() {
    try {
      if (!stamp().equals(indexStamp)) {
        loadIndex();
        LOG.debug("Image index re-read path={} images={}", indexFile, images.size());
      }
    } catch (IOException e) {
      LOG.warn("Image index unreadable path={} err={}", indexFile, e.toString());
    }
  }

  private List<Object> stamp() throws IOException {
    if (!Files.exists(indexFile)) {
      return List.of();
    }
    var a = Files.readAttributes(indexFile, java.nio.file.attribute.BasicFileAttributes.class);
    return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
  }

  /**
   * Changes the index on its newest version under the index lock (other processes write it too) and
   * writes it back. Caller holds {@code this}.
   */
  private <T> T updateIndex(java.util.function.Supplier<T> change) {
    indexLock.lockExclusive();
    try {
      reloadIfChanged();
      T result = change.get();
      saveIndex();
      return result;
    } finally {
      indexLock.unlockExclusive();
    }
  }

  /** Writes the index to a temp file and renames it over the old one, so a crash leaves one or the other. */
  private synchronized void saveIndex() {
    ObjectNode idx = Json.mapper().createObjectNode();
    ObjectNode imgs = idx.putObject("images");
    images.forEach(imgs::set);
    try {
      Path tmp = Files.createTempFile(root, ".index-", ".tmp");
      Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(idx));
      Files.move(tmp, indexFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      indexStamp = stamp();
    } catch (IOException e) {
      throw new UncheckedIOException("writing image index " + indexFile + ": " + e.getMessage(), e);
    }
  }

  private Object lock(String key) {
    return locks.computeIfAbsent(key, k -> new Object());
  }

  private <T> Future<T> async(Callable<T> work) {
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(() -> {
        try {
          promise.complete(work.call());
        } catch (ImagePullException e) {
          promise.fail(e);
        } catch (Exception e) {
          promise.fail(RegistryClient.failed(e.getMessage() == null ? e.toString() : e.getMessage(), e));
        }
      });
    } catch (RuntimeException e) {
      promise.fail(e);
    }
    return promise.future();
  }
}
