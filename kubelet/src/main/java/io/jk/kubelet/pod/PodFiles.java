package io.jk.kubelet.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.jk.common.json.Json;
import io.jk.kubelet.container.ContainerDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pod's files on the node: its {@code pod.json} (to tear down pods deleted meanwhile) and tree removal. */
final class PodFiles {
  private static final Logger LOG = LoggerFactory.getLogger(PodFiles.class);

  private PodFiles() {}

  /** Writes {@code pod.json} once, when the pod is first synced. */
  static void writePodFile(ContainerDirs dirs, Pod pod) {
    Path f = dirs.pod(pod.getMetadata().getUid()).resolve("pod.json");
    if (Files.exists(f)) {
      return;
    }
    try {
      Files.createDirectories(f.getParent());
      Files.writeString(f, Json.mapper().writeValueAsString(pod));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pod as it was when first synced on this node (for pods deleted while the kubelet was down). */
  static Pod readPodFile(ContainerDirs dirs, String uid) {
    try {
      return Json.mapper().readValue(dirs.pod(uid).resolve("pod.json").toFile(), Pod.class);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Removes {@code dir} and what is below it on the same file system: like {@code rm -rf
   * --one-file-system}, it never descends into a mount left behind (a volume, a root file system).
   */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Object dev = Files.getAttribute(dir, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
        @Override
        public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes attrs)
            throws IOException {
          return dev.equals(Files.getAttribute(d, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS))
              ? java.nio.file.FileVisitResult.CONTINUE : java.nio.file.FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes attrs) {
          try {
            Files.deleteIfExists(f);
          } catch (IOException e) {
            LOG.debug("Remove failed file={} err={}", f, e.toString());
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }

        @Override
        public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) {
          try {
            Files.deleteIfExists(d);
          } catch (IOException ex) {
            // not empty: a mount point below it stays, as with rm --one-file-system
            LOG.debug("Remove failed dir={} err={}", d, ex.toString());
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      LOG.warn("Remove failed dir={} err={}", dir, e.getMessage());
    }
  }
}
