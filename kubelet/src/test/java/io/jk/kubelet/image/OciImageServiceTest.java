package io.jk.kubelet.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import io.jk.testing.registry.TestRegistry;
import io.jk.testing.registry.TokenAuthFront;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls and imports against a real {@code docker-registry} on loopback. */
class OciImageServiceTest {

  static final boolean ROOT = "root".equals(System.getProperty("user.name"));
  static TestRegistry registry;
  static OciImage twoLayers;

  @TempDir Path root;

  @BeforeAll
  static void startRegistry() {
    registry = TestRegistry.start();
    twoLayers = twoLayerImage("hello");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  /** A small base layer (no busybox: fast) and a top layer deleting a file and making a dir opaque. */
  static OciImage twoLayerImage(String greeting) {
    LayerBuilder base = new LayerBuilder().dir("etc", 0755).file("etc/greeting", greeting, 0644)
        .file("etc/old", "remove me", 0644).dir("data", 0755).file("data/a", "a", 0600)
        .symlink("etc/link", "greeting").hardlink("etc/hard", "etc/greeting").file("bin-suid", "x", 04755);
    LayerBuilder top = new LayerBuilder().whiteout("etc/old").dir("data", 0755).opaque("data")
        .file("data/b", "b", 0644).file("etc/new", "new", 0640);
    return OciImage.builder().layer(base).layer(top).cmd("sh", "-c", "cat /etc/greeting").env("PATH=/bin", "A=1").build();
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void pullsMultiLayerImageWithWhiteoutsAndStoresItOnce() throws Exception {
    String ref = registry.push("multi", "1", twoLayers);
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Image img = await(images.ensureImage(ref, PullPolicy.IF_NOT_PRESENT, List.of()));
      assertEquals(twoLayers.id(), img.id());
      assertEquals(registry.host() + "/multi@" + twoLayers.digest(), img.repoDigest());
      assertEquals(List.of("sh", "-c", "cat /etc/greeting"), img.config().cmd());
      assertEquals(List.of("PATH=/bin", "A=1"), img.config().env());
      assertEquals(2, img.layers().size());
      Path base = img.layers().get(0);
      Path top = img.layers().get(1);
      assertEquals("hello", Files.readString(base.resolve("etc/greeting")));
      assertTrue(Files.isSymbolicLink(base.resolve("etc/link")));
      assertEquals(Files.getAttribute(base.resolve("etc/greeting"), "unix:ino"), Files.getAttribute(base.resolve("etc/hard"), "unix:ino"));
      assertEquals(04755, (int) Files.getAttribute(base.resolve("bin-suid"), "unix:mode") & 07777);
      assertEquals(0600, (int) Files.getAttribute(base.resolve("data/a"), "unix:mode") & 07777);
      if (ROOT) {
        // the whiteout is an overlay whiteout: a character device 0/0
        int mode = (int) Files.getAttribute(top.resolve("etc/old"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0020000, mode & 0170000, "etc/old is a character device");
        assertEquals(0L, ((Number) Files.getAttribute(top.resolve("etc/old"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
      }
      UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(top.resolve("data"), UserDefinedFileAttributeView.class);
      ByteBuffer buf = ByteBuffer.allocate(8);
      xattrs.read("overlay.opaque", buf);
      assertEquals("y", new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
      assertFalse(Files.exists(top.resolve("data/.wh..wh..opq")));

      // stored once by digest; IfNotPresent does not pull again (the registry is not even asked)
      for (String digest : twoLayers.blobs().keySet()) {
        assertTrue(Files.exists(root.resolve("images/blobs/sha256").resolve(digest.substring(7))), digest);
      }
      Image again = await(images.ensureImage(registry.host() + "/multi:1", PullPolicy.IF_NOT_PRESENT, List.of()));
      assertEquals(img.layers(), again.layers());
      assertEquals(img.id(), images.find(ref).orElseThrow().id());
      assertEquals(img.id(), images.find(img.id()).orElseThrow().id());
    }
    // the index survives a restart
    try (OciImageService reopened = new OciImageService(root, Set.of())) {
      assertEquals(twoLayers.id(), reopened.find(ref).orElseThrow().id());
      assertEquals(1, reopened.list().size());
    }
  }

  @Test
  void resolvesManifestListForTheNodePlatform() throws Exception {
    OciImage amd = twoLayerImage("amd64");
    OciImage arm = twoLayerImage("arm64");
    Map<String, OciImage> platforms = new LinkedHashMap<>();
    platforms.put("linux/arm64", arm);
    platforms.put("linux/amd64", amd);
    String ref = registry.pushIndex("multiarch", "1", platforms);
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Image img = await(images.ensureImage(ref, PullPolicy.ALWAYS, List.of()));
      String expect = "amd64".equals(System.getProperty("os.arch")) ? "amd64" : "arm64";
      assertEquals(expect, Files.readString(img.layers().get(0).resolve("etc/greeting")));
    }
  }

  @Test
  void refusesBlobWhoseDigestDoesNotMatch() throws Exception {
    OciImage img = OciImage.builder().layer(new LayerBuilder().file("f", "original", 0644)).build();
    String ref = registry.push("corrupt", "1", img);
    String layerDigest = img.blobs().keySet().stream().filter(d -> !d.equals(img.id())).findFirst().orElseThrow();
    byte[] bytes = img.blobs().get(layerDigest).clone();
    bytes[bytes.length - 9] ^= 0x55;
    registry.corruptBlob(layerDigest, bytes);
    try (OciImageService images = new OciImageService(root, Set.of())) {
      ImagePullException e = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage(ref, PullPolicy.ALWAYS, List.of())));
      assertEquals(ImagePullException.Kind.PULL_FAILED, e.kind());
      assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
      assertTrue(images.find(ref).isEmpty());
      assertFalse(Files.exists(root.resolve("images/blobs/sha256").resolve(layerDigest.substring(7))));
    }
  }

  @Test
  void reportsTheRegistrysErrorText() throws Exception {
    try (OciImageService images = new OciImageService(root, Set.of())) {
      ImagePullException e = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage(registry.host() + "/nothere:1", PullPolicy.IF_NOT_PRESENT, List.of())));
      assertTrue(e.getMessage().contains("NAME_UNKNOWN") || e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
      ImagePullException bad = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage("Not A Name", PullPolicy.IF_NOT_PRESENT, List.of())));
      assertEquals(ImagePullException.Kind.INVALID_NAME, bad.kind());
    }
  }

  @Test
  void basicAuthWithCredentialsOnly() throws Exception {
    try (TestRegistry secured = TestRegistry.start("jk", "s3cret");
        OciImageService images = new OciImageService(root, Set.of())) {
      String ref = secured.push("private", "1", twoLayers);
      ImagePullException denied = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage(ref, PullPolicy.ALWAYS, List.of())));
      assertTrue(denied.getMessage().contains("authentication"), denied.getMessage());
      ImagePullException wrong = assertThrows(ImagePullException.class, () -> await(images.ensureImage(ref,
          PullPolicy.ALWAYS, List.of(new RegistryCredential(secured.host(), "jk", "wrong")))));
      assertTrue(wrong.getMessage().contains("401"), wrong.getMessage());
      Image img = await(images.ensureImage(ref, PullPolicy.ALWAYS,
          List.of(new RegistryCredential("http://" + secured.host(), "jk", "s3cret"))));
      assertEquals(twoLayers.id(), img.id());
    }
  }

  @Test
  void policyNeverUsesOnlyImportedImages() throws Exception {
    OciImage img = OciImage.builder().layer(new LayerBuilder().file("hello", "from archive", 0644)).cmd("/hello").build();
    try (OciImageService images = new OciImageService(root, Set.of())) {
      ImagePullException never = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage("lab.local/app:1", PullPolicy.NEVER, List.of())));
      assertEquals(ImagePullException.Kind.NEVER_PULL, never.kind());

      Path oci = root.resolve("app-oci.tar");
      img.writeOciArchive(oci, "lab.local/app:1");
      List<Image> imported = await(images.importArchive(oci));
      assertEquals(1, imported.size());
      Image got = await(images.ensureImage("lab.local/app:1", PullPolicy.NEVER, List.of()));
      assertEquals(img.id(), got.id());
      assertEquals("from archive", Files.readString(got.layers().get(0).resolve("hello")));

      Path docker = root.resolve("app-docker.tar");
      img.writeDockerArchive(docker, "other:2");
      await(images.importArchive(docker));
      Image viaDocker = await(images.ensureImage("docker.io/library/other:2", PullPolicy.NEVER, List.of()));
      assertEquals(img.id(), viaDocker.id());
      assertEquals(List.of("/hello"), viaDocker.config().cmd());
    }
  }

  @Test
  void garbageCollectionRemovesOnlyUnusedImages() throws Exception {
    OciImage other = OciImage.builder().layer(new LayerBuilder().file("other", "x", 0644)).build();
    String keep = registry.push("gc-keep", "1", twoLayers);
    String drop = registry.push("gc-drop", "1", other);
    // thresholds of 0%: any disk usage triggers collection
    try (OciImageService images = new OciImageService(root, Set.of(), 0, 0)) {
      Image kept = await(images.ensureImage(keep, PullPolicy.IF_NOT_PRESENT, List.of()));
      Image dropped = await(images.ensureImage(drop, PullPolicy.IF_NOT_PRESENT, List.of()));
      List<String> removed = await(images.collectGarbage(Set.of(keep)));
      assertEquals(List.of(ImageReference.parse(drop).toString()), removed);
      assertTrue(images.find(drop).isEmpty());
      assertTrue(Files.isDirectory(kept.layers().get(0)));
      assertFalse(Files.exists(dropped.layers().get(0)));
      assertFalse(Files.exists(root.resolve("images/blobs/sha256").resolve(dropped.id().substring(7))));
    }
  }

  @Test
  void bearerTokenChallengeAsDockerHubDoes() throws Exception {
    String ref = registry.push("tokened", "1", twoLayers);
    try (TokenAuthFront anonymous = TokenAuthFront.start(registry, null, null);
        TokenAuthFront privateFront = TokenAuthFront.start(registry, "jk", "pw").withBlobRedirects();
        OciImageService images = new OciImageService(root, Set.of())) {
      Image img = await(images.ensureImage(anonymous.host() + "/tokened:1", PullPolicy.ALWAYS, List.of()));
      assertEquals(twoLayers.id(), img.id());
      assertEquals("repository:tokened:pull", anonymous.scopesRequested.get(0));

      ImagePullException denied = assertThrows(ImagePullException.class,
          () -> await(images.ensureImage(privateFront.host() + "/tokened:1", PullPolicy.ALWAYS, List.of())));
      assertTrue(denied.getMessage().contains("incorrect username or password"), denied.getMessage());
      try (OciImageService fresh = new OciImageService(root.resolve("fresh"), Set.of())) {
        // a fresh store, so every blob is fetched through the front's redirects
        Image withCreds = await(fresh.ensureImage(privateFront.host() + "/tokened:1", PullPolicy.ALWAYS,
            List.of(new RegistryCredential(privateFront.host(), "jk", "pw"))));
        assertEquals(twoLayers.id(), withCreds.id());
        assertEquals("hello", Files.readString(withCreds.layers().get(0).resolve("etc/greeting")), "blobs followed through redirects");
      }
      assertTrue(ref.endsWith("/tokened:1"));
    }
  }

  @Test
  void dockerSchema2ManifestsAndUncompressedLayers() throws Exception {
    byte[] tar = new LayerBuilder().file("plain", "not gzipped", 0644).tar();
    OciImage base = OciImage.builder().layer(new LayerBuilder().file("x", "x", 0644)).build();
    String config = new String(base.config(), StandardCharsets.UTF_8);
    String configDigest = base.id();
    registry.pushBlob("docker2", configDigest, base.config());
    String layerDigest = TestRegistry.digest(tar);
    registry.pushBlob("docker2", layerDigest, tar);
    String manifest = """
        {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "%s", "size": %d},
         "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "digest": "%s", "size": %d}]}
        """.formatted(configDigest, config.length(), layerDigest, tar.length);
    registry.pushManifest("docker2", "1", "application/vnd.docker.distribution.manifest.v2+json",
        manifest.getBytes(StandardCharsets.UTF_8));
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Image img = await(images.ensureImage(registry.host() + "/docker2:1", PullPolicy.ALWAYS, List.of()));
      assertEquals("not gzipped", Files.readString(img.layers().get(0).resolve("plain")));
      assertEquals(registry.host() + "/docker2@" + TestRegistry.digest(manifest.getBytes(StandardCharsets.UTF_8)), img.repoDigest());
    }
  }

  @Test
  void layerEntriesCannotLeaveTheLayer() throws Exception {
    Path outside = Files.createDirectories(root.resolve("outside"));
    OciImage evil = OciImage.builder().layer(new LayerBuilder()
        .symlink("escape", outside.toString()).file("escape/pwned", "x", 0644)
        .symlink("up", "../../../../../../..").file("up/" + outside.toString().substring(1) + "/pwned2", "x", 0644)
        .file("../../../../pwned3", "x", 0644)).build();
    String ref = registry.push("evil", "1", evil);
    try (OciImageService images = new OciImageService(root.resolve("store"), Set.of())) {
      Image img = await(images.ensureImage(ref, PullPolicy.ALWAYS, List.of()));
      try (var s = Files.list(outside)) {
        assertEquals(0, s.count(), "nothing written outside the layer");
      }
      Path layer = img.layers().get(0);
      assertTrue(Files.exists(layer.resolve(outside.toString().substring(1)).resolve("pwned")), "re-rooted inside the layer");
      assertTrue(Files.exists(layer.resolve("pwned3")), ".. stops at the layer root");
    }
  }

  @Test
  void keepsOwnershipAndDeviceNodes() throws Exception {
    assumeTrue(ROOT, "device nodes and chown need root");
    OciImage img = OciImage.builder().layer(new LayerBuilder().dir("dev", 0755).device("dev/null", 'c', 1, 3, 0666)
        .fileOwnedBy("owned", "x", 0640, 1234, 5678)).build();
    String ref = registry.push("owned", "1", img);
    try (OciImageService images = new OciImageService(root, Set.of())) {
      Path layer = await(images.ensureImage(ref, PullPolicy.ALWAYS, List.of())).layers().get(0);
      assertEquals(1234, Files.getAttribute(layer.resolve("owned"), "unix:uid"));
      assertEquals(5678, Files.getAttribute(layer.resolve("owned"), "unix:gid"));
      int mode = (int) Files.getAttribute(layer.resolve("dev/null"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
      assertEquals(0020000, mode & 0170000, "a character device");
      assertEquals(0666, mode & 0777);
      assertEquals(259L, ((Number) Files.getAttribute(layer.resolve("dev/null"), "unix:rdev")).longValue(), "1:3");
    }
  }
}
