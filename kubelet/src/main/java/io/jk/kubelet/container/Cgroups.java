package io.jk.kubelet.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removes pod cgroups the runtime leaves behind (the pod level), in every hierarchy, below the kubelet's own cgroup. */
public final class Cgroups {
  private Cgroups() {}

  /** This process's cgroup in the hierarchy of {@code controller} ({@code ""} for the root), from /proc/self/cgroup. */
  public static String ownPath(String controller) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
        String[] f = line.split(":", 3);
        if (f.length == 3 && (List.of(f[1].split(",")).contains(controller) || f[1].isEmpty() && f[0].equals("0"))) {
          return f[2].equals("/") ? "" : f[2];
        }
      }
    } catch (IOException e) {
      // unknown: the root
    }
    return "";
  }

  /** The directories of {@code relative} (below this process's cgroup) in every mounted hierarchy that exist. */
  public static List<Path> directories(String relative) {
    List<Path> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
        String[] f = line.split(":", 3);
        if (f.length < 3) {
          continue;
        }
        String own = f[2].equals("/") ? "" : f[2];
        List<Path> mounts = new ArrayList<>();
        if (f[1].isEmpty()) {
          mounts.add(Path.of("/sys/fs/cgroup/unified"));
          mounts.add(Path.of("/sys/fs/cgroup"));
        } else if (f[1].startsWith("name=")) {
          mounts.add(Path.of("/sys/fs/cgroup", f[1].substring(5)));
        } else {
          mounts.add(Path.of("/sys/fs/cgroup", f[1]));
        }
        for (Path m : mounts) {
          Path p = Path.of(m + own + "/" + relative);
          if (Files.isDirectory(p) && Files.exists(p.resolve("cgroup.procs"))) {
            out.add(p);
            break;
          }
        }
      }
    } catch (IOException e) {
      // no cgroups to clean
    }
    return out;
  }

  /**
   * Removes the directories of {@code relative} in every hierarchy where they have no child cgroup and
   * no process (the kernel refuses the others, which are kept): the pods' parent cgroup when no pod
   * is left, so a stopped node leaves nothing behind.
   */
  public static void removeIfEmpty(String relative) {
    for (Path dir : directories(relative)) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // pods still run under it (a restarted kubelet adopts them)
      }
    }
  }

  /** rmdir of {@code relative} and its children, deepest first; directories still holding processes stay. */
  public static void remove(String relative) {
    for (Path dir : directories(relative)) {
      try (Stream<Path> s = Files.walk(dir)) {
        List<Path> dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        for (Path d : dirs) {
          try {
            Files.delete(d);
          } catch (IOException ignored) {
            // busy: a process is still in it
          }
        }
      } catch (IOException | java.io.UncheckedIOException ignored) {
        // gone meanwhile
      }
    }
  }
}
