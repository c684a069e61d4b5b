package io.jk.kubelet.testing;

import io.jk.kubelet.image.Image;
import io.jk.kubelet.image.ImageConfig;
import io.jk.kubelet.image.ImageService;
import io.jk.kubelet.image.PullPolicy;
import io.jk.kubelet.image.RegistryCredential;
import io.jk.kubelet.image.RootfsManager;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Test stand-ins for the image service and the root file system manager: every image is one busybox
 * directory built from Debian's busybox-static; each container gets an overlay over it.
 */
public final class BusyboxImages implements ImageService, RootfsManager {
  private final Path layer;
  private final Image image;

  public BusyboxImages(Path dir) {
    this.layer = dir;
    try {
      Path bin = Files.createDirectories(dir.resolve("bin"));
      if (!Files.exists(bin.resolve("busybox"))) {
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        Process list = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(list.getInputStream().readAllBytes()).lines().toList()) {
          if (!applet.equals("busybox")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
          }
        }
        list.waitFor();
      }
      for (String d : List.of("proc", "sys", "dev", "tmp", "etc", "root", "data")) {
        Files.createDirectories(dir.resolve(d));
      }
      Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
      Files.writeString(dir.resolve("etc/hosts"), "");
      Files.writeString(dir.resolve("etc/hostname"), "");
      Files.writeString(dir.resolve("etc/resolv.conf"), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    image = new Image("docker.io/library/busybox:latest", "sha256:" + "b".repeat(64), null, List.of(dir),
        new ImageConfig(List.of(), List.of("sh"), List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            "", "", List.of(), Map.of(), ""), 0);
  }

  @Override
  public Future<Image> ensureImage(String reference, PullPolicy policy, List<RegistryCredential> credentials) {
    if (reference.contains("does-not-exist")) {
      return Future.failedFuture(new io.jk.kubelet.image.ImagePullException(io.jk.kubelet.image.ImagePullException.Kind.PULL_FAILED,
          "manifest unknown: " + reference, null));
    }
    return Future.succeededFuture(image);
  }

  @Override
  public Optional<Image> find(String reference) {
    return reference.contains("does-not-exist") ? Optional.empty() : Optional.of(image);
  }

  @Override
  public List<Image> list() {
    return List.of(image);
  }

  @Override
  public void mount(Image image, Path containerDir, Path target) {
    try {
      Path upper = Files.createDirectories(containerDir.resolve("upper"));
      Path work = Files.createDirectories(containerDir.resolve("work"));
      Files.createDirectories(target);
      run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + layer + ",upperdir=" + upper + ",workdir=" + work,
          target.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void unmount(Path containerDir, Path target) {
    if (isMounted(target)) {
      run("umount", target.toString());
    }
    run("rm", "-rf", "--one-file-system", containerDir.resolve("upper").toString(), containerDir.resolve("work").toString());
  }

  static boolean isMounted(Path target) {
    try {
      String t = " " + target.toAbsolutePath() + " ";
      return Files.readString(Path.of("/proc/self/mountinfo")).contains(t);
    } catch (IOException e) {
      return false;
    }
  }

  static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new UncheckedIOException(new IOException(String.join(" ", cmd) + ": " + out.strip()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
