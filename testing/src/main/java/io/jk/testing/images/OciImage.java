package io.jk.testing.images;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test image built in memory: gzip layers, an OCI config and an OCI manifest, with every blob
 * by digest; written as an OCI image layout archive or a {@code docker save} archive, or pushed
 * by {@link io.jk.testing.registry.TestRegistry}.
 *
 * <pre>
 * OciImage img = OciImage.builder().layer(OciImage.busyboxLayer()).cmd("sh", "-c", "echo hi").build();
 * </pre>
 */
public final class OciImage {

  public static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
  public static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";
  public static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";

  private final byte[] manifest;
  private final byte[] config;
  private final List<byte[]> layers;
  private final List<byte[]> tars;

  private OciImage(byte[] manifest, byte[] config, List<byte[]> layers, List<byte[]> tars) {
    this.manifest = manifest;
    this.config = config;
    this.layers = layers;
    this.tars = tars;
  }

  /** A layer with {@code /bin/busybox} (static) and {@code /bin/sh}, {@code /bin/cat}, {@code /bin/ls} ... linked to it. */
  public static LayerBuilder busyboxLayer() {
    LayerBuilder l = new LayerBuilder().dir("bin", 0755).copy("bin/busybox", Path.of("/bin/busybox"), 0755);
    for (String tool : List.of("sh", "cat", "ls", "echo", "sleep", "touch", "mkdir", "rm", "true", "ip", "ping", "hostname", "env", "id", "stat", "wget")) {
      l.symlink("bin/" + tool, "busybox");
    }
    return l.dir("tmp", 01777).dir("etc", 0755).dir("proc", 0555).dir("sys", 0555).dir("dev", 0755);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The manifest bytes. */
  public byte[] manifest() {
    return manifest.clone();
  }

  /** The manifest digest. */
  public String digest() {
    return LayerBuilder.digest(manifest);
  }

  /** The config bytes; its digest is the image id. */
  public byte[] config() {
    return config.clone();
  }

  /** The image id ({@code sha256:} of the config). */
  public String id() {
    return LayerBuilder.digest(config);
  }

  /** Every blob (config and gzip layers) by digest. */
  public Map<String, byte[]> blobs() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    out.put(id(), config);
    layers.forEach(l -> out.put(LayerBuilder.digest(l), l));
    return out;
  }

  /** Writes an OCI image layout archive holding this image as {@code refName} (a full reference). */
  public void writeOciArchive(Path file, String refName) {
    ObjectNode index = Json.mapper().createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", INDEX_TYPE);
    ObjectNode d = index.putArray("manifests").addObject();
    d.put("mediaType", MANIFEST_TYPE).put("digest", digest()).put("size", manifest.length);
    d.putObject("annotations").put("org.opencontainers.image.ref.name", refName);
    LayerBuilder tar = new LayerBuilder().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 0644)
        .file("index.json", json(index), 0644).dir("blobs", 0755).dir("blobs/sha256", 0755);
    tar.file("blobs/sha256/" + digest().substring(7), manifest, 0644);
    blobs().forEach((dg, b) -> tar.file("blobs/sha256/" + dg.substring(7), b, 0644));
    write(file, tar.tar());
  }

  /** Writes a {@code docker save} archive (uncompressed layer tars) tagged {@code repoTag}. */
  public void writeDockerArchive(Path file, String repoTag) {
    LayerBuilder tar = new LayerBuilder();
    String configName = id().substring(7) + ".json";
    tar.file(configName, config, 0644);
    ObjectNode m = Json.mapper().createArrayNode().addObject();
    m.put("Config", configName);
    m.putArray("RepoTags").add(repoTag);
    ArrayNode ls = m.putArray("Layers");
    for (byte[] t : tars) {
      String dir = LayerBuilder.digest(t).substring(7);
      tar.dir(dir, 0755).file(dir + "/layer.tar", t, 0644);
      ls.add(dir + "/layer.tar");
    }
    tar.file("manifest.json", "[" + json(m) + "]", 0644);
    write(file, tar.tar());
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String json(Object node) {
    try {
      return Json.mapper().writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An OCI image index listing {@code images} with their platforms ({@code os/arch}). */
  public static byte[] index(Map<String, OciImage> byPlatform) {
    ObjectNode index = Json.mapper().createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", INDEX_TYPE);
    ArrayNode ms = index.putArray("manifests");
    byPlatform.forEach((platform, img) -> {
      ObjectNode d = ms.addObject();
      d.put("mediaType", MANIFEST_TYPE).put("digest", img.digest()).put("size", img.manifest.length);
      String[] p = platform.split("/");
      d.putObject("platform").put("os", p[0]).put("architecture", p[1]);
    });
    return json(index).getBytes(StandardCharsets.UTF_8);
  }

  /** Builds an {@link OciImage}. */
  public static final class Builder {
    private final List<LayerBuilder> layers = new ArrayList<>();
    private List<String> cmd = List.of();
    private List<String> entrypoint = List.of();
    private List<String> env = List.of("PATH=/bin");
    private String workingDir = "";

    public Builder layer(LayerBuilder layer) {
      layers.add(layer);
      return this;
    }

    public Builder cmd(String... cmd) {
      this.cmd = List.of(cmd);
      return this;
    }

    public Builder entrypoint(String... entrypoint) {
      this.entrypoint = List.of(entrypoint);
      return this;
    }

    public Builder env(String... env) {
      this.env = List.of(env);
      return this;
    }

    public Builder workingDir(String dir) {
      this.workingDir = dir;
      return this;
    }

    public OciImage build() {
      List<byte[]> tars = new ArrayList<>();
      List<byte[]> gz = new ArrayList<>();
      for (LayerBuilder l : layers) {
        tars.add(l.tar());
        gz.add(l.gzip());
      }
      ObjectNode cfg = Json.mapper().createObjectNode();
      cfg.put("architecture", "amd64").put("os", "linux");
      ObjectNode c = cfg.putObject("config");
      c.set("Env", Json.mapper().valueToTree(env));
      if (!cmd.isEmpty()) {
        c.set("Cmd", Json.mapper().valueToTree(cmd));
      }
      if (!entrypoint.isEmpty()) {
        c.set("Entrypoint", Json.mapper().valueToTree(entrypoint));
      }
      c.put("WorkingDir", workingDir);
      ObjectNode rootfs = cfg.putObject("rootfs").put("type", "layers");
      ArrayNode diffIds = rootfs.putArray("diff_ids");
      tars.forEach(t -> diffIds.add(LayerBuilder.digest(t)));
      byte[] config = json(cfg).getBytes(StandardCharsets.UTF_8);
      ObjectNode m = Json.mapper().createObjectNode();
      m.put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE);
      m.putObject("config").put("mediaType", CONFIG_TYPE).put("digest", LayerBuilder.digest(config)).put("size", config.length);
      ArrayNode ls = m.putArray("layers");
      gz.forEach(l -> ls.addObject().put("mediaType", LAYER_TYPE).put("digest", LayerBuilder.digest(l)).put("size", l.length));
      return new OciImage(json(m).getBytes(StandardCharsets.UTF_8), config, gz, tars);
    }
  }
}
