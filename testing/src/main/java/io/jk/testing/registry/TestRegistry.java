package io.jk.testing.registry;

import io.jk.testing.images.LayerBuilder;
import io.jk.testing.images.OciImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Debian's {@code docker-registry} on a free loopback port, storing into a temp dir, optionally
 * with basic auth (an htpasswd file with a bcrypt line made here). {@link #close()} stops the
 * process (by its handle) and removes the dir.
 *
 * <pre>
 * try (TestRegistry reg = TestRegistry.start()) {
 *   reg.push("web", "1", image);   // then pull 127.0.0.1:port/web:1
 * }
 * </pre>
 */
public final class TestRegistry implements AutoCloseable {

  private final Path dir;
  private final int port;
  private final Process process;
  private final String basicAuth;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestRegistry(Path dir, int port, Process process, String basicAuth) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.basicAuth = basicAuth;
  }

  /** An anonymous registry. */
  public static TestRegistry start() {
    return start(null, null);
  }

  /** A registry that requires {@code user}/{@code password} (basic auth) when both are non-null. */
  public static TestRegistry start(String user, String password) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("jk-registry-");
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      StringBuilder cfg = new StringBuilder("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ")
          .append(dir.resolve("data")).append("\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:").append(port).append('\n');
      String auth = null;
      if (user != null && password != null) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String hash = OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, 6);
        Files.writeString(dir.resolve("htpasswd"), user + ":" + hash + "\n");
        cfg.append("auth:\n  htpasswd:\n    realm: jk-test\n    path: ").append(dir.resolve("htpasswd")).append('\n');
        auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      }
      Files.writeString(dir.resolve("config.yml"), cfg);
      Process p = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
      TestRegistry reg = new TestRegistry(dir, port, p, auth);
      reg.awaitReady();
      return reg;
    } catch (IOException | RuntimeException e) {
      if (dir != null) {
        removeTree(dir);
      }
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        close();
        throw new IllegalStateException("docker-registry exited: " + log());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(50); // polling a starting process's port; no event to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
    throw new IllegalStateException("docker-registry did not start: " + log());
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** Pushes every blob and the manifest of {@code image} as {@code repo:tag}; returns the reference. */
  public String push(String repo, String tag, OciImage image) {
    image.blobs().forEach((digest, bytes) -> pushBlob(repo, digest, bytes));
    pushManifest(repo, tag, OciImage.MANIFEST_TYPE, image.manifest());
    return host() + "/" + repo + ":" + tag;
  }

  /** Pushes the images by platform ({@code linux/amd64}) and an index of them as {@code repo:tag}. */
  public String pushIndex(String repo, String tag, Map<String, OciImage> byPlatform) {
    byPlatform.values().forEach(img -> {
      img.blobs().forEach((digest, bytes) -> pushBlob(repo, digest, bytes));
      pushManifest(repo, img.digest(), OciImage.MANIFEST_TYPE, img.manifest());
    });
    pushManifest(repo, tag, OciImage.INDEX_TYPE, OciImage.index(byPlatform));
    return host() + "/" + repo + ":" + tag;
  }

  /** Uploads a blob under {@code digest} (which the registry checks). */
  public void pushBlob(String repo, String digest, byte[] bytes) {
    HttpResponse<String> start = send(HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    expect(start, 202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put = URI.create("http://" + host()).resolve(location);
    String sep = put.getQuery() == null ? "?" : "&";
    HttpResponse<String> done = send(HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    expect(done, 201);
  }

  /** Puts a manifest under {@code ref} (a tag or digest). */
  public void pushManifest(String repo, String ref, String mediaType, byte[] manifest) {
    expect(send(HttpRequest.newBuilder(uri("/v2/" + repo + "/manifests/" + ref))
        .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))), 201);
  }

  /** Replaces a stored blob's bytes behind the registry's back (to test digest checks). */
  public void corruptBlob(String digest, byte[] bytes) {
    Path data = dir.resolve("data/docker/registry/v2/blobs/sha256").resolve(digest.substring(7, 9))
        .resolve(digest.substring(7)).resolve("data");
    try {
      Files.write(data, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder req) {
    if (basicAuth != null) {
      req.header("Authorization", basicAuth);
    }
    try {
      return http.send(req.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void expect(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(r.request().method() + " " + r.uri() + ": " + r.statusCode() + " " + r.body());
    }
  }

  private URI uri(String path) {
    return URI.create("http://" + host() + path);
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("registry.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Digest helper re-exported for tests. */
  public static String digest(byte[] bytes) {
    return LayerBuilder.digest(bytes);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    removeTree(dir);
  }

  private static void removeTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir
    }
  }
}
