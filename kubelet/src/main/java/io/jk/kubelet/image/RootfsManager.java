package io.jk.kubelet.image;

import java.nio.file.Path;

/**
 * Gives each container its own writable root file system over an image's shared layers
 * (overlayfs: the image's layers as lower dirs, a fresh upper and work dir per container).
 */
public interface RootfsManager {

  /**
   * Mounts a root file system for one container at {@code target} (created if missing), with its
   * upper and work dirs kept under {@code containerDir}.
   *
   * @throws java.io.UncheckedIOException with the mount error when it fails
   */
  void mount(Image image, Path containerDir, Path target);

  /** Unmounts {@code target} and removes the container's upper and work dirs; idempotent. */
  void unmount(Path containerDir, Path target);
}
