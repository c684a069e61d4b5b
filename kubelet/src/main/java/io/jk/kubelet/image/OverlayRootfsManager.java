package io.jk.kubelet.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Container root file systems as overlayfs mounts: the image's layers as lower dirs (top layer
 * first), {@code <containerDir>/upper} and {@code <containerDir>/work} per container.
 *
 * <p>The mount options page holds at most 4 KiB, so the lower dirs are given relative to their
 * common parent (the store's layer dir, as the mount runs with it as working directory): about 60
 * layers fit. The {@code userxattr} option makes overlayfs read the opaque-dir markers the
 * {@link LayerUnpacker} wrote as {@code user.overlay.opaque}.
 */
public final class OverlayRootfsManager implements RootfsManager {

  @Override
  public void mount(Image image, Path containerDir, Path target) {
    try {
      Path upper = containerDir.resolve("upper");
      Path work = containerDir.resolve("work");
      Files.createDirectories(upper);
      Files.createDirectories(work);
      Files.createDirectories(target);
      List<Path> lowers = new ArrayList<>(image.layers());
      if (lowers.isEmpty()) {
        // overlayfs needs one lower dir; an image without layers gets an empty one
        Path empty = containerDir.resolve("empty-lower");
        Files.createDirectories(empty);
        lowers.add(empty);
      }
      Path parent = lowers.get(0).getParent();
      boolean common = lowers.stream().allMatch(l -> parent.equals(l.getParent()));
      StringBuilder lowerdir = new StringBuilder();
      for (int i = lowers.size() - 1; i >= 0; i--) {
        Path l = lowers.get(i);
        lowerdir.append(lowerdir.length() == 0 ? "" : ":").append(common ? l.getFileName() : l.toAbsolutePath());
      }
      String options = "lowerdir=" + lowerdir + ",upperdir=" + upper.toAbsolutePath()
          + ",workdir=" + work.toAbsolutePath() + ",userxattr";
      if (options.length() > 4000) {
        throw new IOException("image has too many layers for one overlay mount (" + lowers.size() + ")");
      }
      Commands.run(List.of("mount", "-t", "overlay", "overlay", "-o", options, target.toAbsolutePath().toString()),
          common ? parent : null);
    } catch (IOException e) {
      throw new UncheckedIOException("mounting root file system at " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void unmount(Path containerDir, Path target) {
    try {
      if (isMountPoint(target)) {
        Commands.run(List.of("umount", target.toAbsolutePath().toString()));
      }
      LayerUnpacker.removeRecursively(containerDir.resolve("upper"));
      LayerUnpacker.removeRecursively(containerDir.resolve("work"));
      LayerUnpacker.removeRecursively(containerDir.resolve("empty-lower"));
      if (Files.isDirectory(target) && !isMountPoint(target)) {
        try (var s = Files.list(target)) {
          if (s.findAny().isEmpty()) {
            Files.delete(target);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("unmounting root file system at " + target + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code path} is a mount point, by {@code /proc/self/mountinfo}. */
  public static boolean isMountPoint(Path path) throws IOException {
    String p = path.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(p)) {
        return true;
      }
    }
    return false;
  }

  /** Mount points at or below {@code dir}, deepest first. */
  public static List<Path> mountsUnder(Path dir) throws IOException {
    String d = dir.toAbsolutePath().normalize().toString();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4) {
        String mp = unescape(f[4]);
        if (mp.equals(d) || mp.startsWith(d + "/")) {
          out.add(mp);
        }
      }
    }
    out.sort((a, b) -> b.length() - a.length());
    return out.stream().map(Path::of).toList();
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
