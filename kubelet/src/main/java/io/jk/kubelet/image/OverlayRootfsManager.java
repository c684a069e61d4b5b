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
 * common parent (the store's layer dir, as the mount runs with it as working directory), and when
 * even that is too long (about 45 layers) through short per-container symlinks {@code l/0},
 * {@code l/1}, ... (several hundred layers fit). The {@code userxattr} option makes overlayfs read the opaque-dir markers the
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
      Path cwd = common ? parent : null;
      String lowerdir = lowerdir(lowers, i -> common ? lowers.get(i).getFileName().toString() : lowers.get(i).toAbsolutePath().toString());
      if (lowerdir.length() > 3000) {
        // too long even relative: short per-container symlinks 0, 1, 2, ... to the layers
        Path links = containerDir.resolve("l");
        LayerUnpacker.removeRecursively(links);
        Files.createDirectories(links);
        for (int i = 0; i < lowers.size(); i++) {
          Files.createSymbolicLink(links.resolve(Integer.toString(i)), lowers.get(i).toAbsolutePath());
        }
        cwd = links;
        lowerdir = lowerdir(lowers, Integer::toString);
      }
      String options = "lowerdir=" + lowerdir + ",upperdir=" + upper.toAbsolutePath()
          + ",workdir=" + work.toAbsolutePath() + ",userxattr";
      if (options.length() > 4000) {
        throw new IOException("image has too many layers for one overlay mount (" + lowers.size() + ")");
      }
      Commands.run(List.of("mount", "-t", "overlay", "overlay", "-o", options, target.toAbsolutePath().toString()), cwd);
    } catch (IOException e) {
      throw new UncheckedIOException("mounting root file system at " + target + ": " + e.getMessage(), e);
    }
  }

  /** Lower dirs top layer first, as overlayfs wants them. */
  private static String lowerdir(List<Path> lowers, java.util.function.IntFunction<String> name) {
    StringBuilder b = new StringBuilder();
    for (int i = lowers.size() - 1; i >= 0; i--) {
      b.append(b.length() == 0 ? "" : ":").append(name.apply(i));
    }
    return b.toString();
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
      LayerUnpacker.removeRecursively(containerDir.resolve("l"));
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
