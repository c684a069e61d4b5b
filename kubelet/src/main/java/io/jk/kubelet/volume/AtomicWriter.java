package io.jk.kubelet.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a volume's whole payload so readers never see a mix of old and new files, as Kubernetes'
 * AtomicWriter does: the files go into a fresh hidden {@code ..<random>} dir, the {@code ..data}
 * symlink is swapped to it with one rename, and each visible top-level name is a symlink through
 * {@code ..data}. An unchanged payload is not rewritten.
 */
public final class AtomicWriter {

  static final String DATA = "..data";

  /** One file of a payload: its bytes and mode (e.g. {@code 0644}). */
  public record FileContent(byte[] data, int mode) {
    @Override
    public boolean equals(Object o) {
      return o instanceof FileContent f && f.mode == mode && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(data) * 31 + mode;
    }
  }

  private final Path dir;

  public AtomicWriter(Path dir) {
    this.dir = dir;
  }

  /**
   * Makes {@code dir} hold exactly {@code payload} (relative path → content).
   *
   * @return whether anything changed
   * @throws IllegalArgumentException for an absolute path, a {@code ..} element or a name starting with {@code ..}
   */
  public boolean write(Map<String, FileContent> payload) throws IOException {
    return write(payload, null);
  }

  /**
   * As {@link #write(Map)}, the files and dirs owned by group {@code gid} (a pod's {@code fsGroup})
   * when it is not null.
   */
  public boolean write(Map<String, FileContent> payload, Integer gid) throws IOException {
    for (String p : payload.keySet()) {
      validate(p);
    }
    Files.createDirectories(dir);
    Path data = dir.resolve(DATA);
    Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
    if (old != null && payload.equals(read(old))) {
      return false;
    }
    Path fresh = Files.createTempDirectory(dir, "..");
    Files.setAttribute(fresh, "unix:mode", 0755);
    for (Map.Entry<String, FileContent> e : payload.entrySet()) {
      Path f = fresh.resolve(e.getKey());
      Files.createDirectories(f.getParent());
      Files.write(f, e.getValue().data());
      if (gid != null) {
        Files.setAttribute(f, "unix:gid", gid);
      }
      Files.setAttribute(f, "unix:mode", e.getValue().mode() & 07777);
    }
    if (gid != null) {
      try (Stream<Path> s = Files.walk(fresh)) {
        for (Path d : (Iterable<Path>) s.filter(Files::isDirectory)::iterator) {
          Files.setAttribute(d, "unix:gid", gid);
        }
      }
    }
    Path tmpLink = dir.resolve("..data_tmp");
    Files.deleteIfExists(tmpLink);
    Files.createSymbolicLink(tmpLink, fresh.getFileName());
    Files.move(tmpLink, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    Set<String> tops = new HashSet<>();
    payload.keySet().forEach(p -> tops.add(p.split("/")[0]));
    for (String top : tops) {
      Path link = dir.resolve(top);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of(DATA, top));
      }
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (!name.startsWith("..") && !tops.contains(name) && Files.isSymbolicLink(p)
            && Files.readSymbolicLink(p).startsWith(DATA)) {
          Files.delete(p); // a key that is gone
        }
      }
    }
    if (old != null && !old.equals(fresh)) {
      removeTree(old);
    }
    return true;
  }

  /** The payload currently under {@code dataDir}. */
  private static Map<String, FileContent> read(Path dataDir) throws IOException {
    Map<String, FileContent> out = new java.util.HashMap<>();
    if (!Files.isDirectory(dataDir)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(dataDir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          int mode = (int) Files.getAttribute(p, "unix:mode") & 07777;
          out.put(dataDir.relativize(p).toString(), new FileContent(Files.readAllBytes(p), mode));
        }
      }
    }
    return out;
  }

  static void validate(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.length() > 4096) {
      throw new IllegalArgumentException("invalid volume path \"" + path + "\": must be a relative path");
    }
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        throw new IllegalArgumentException("invalid volume path \"" + path + "\": must not contain '..'");
      }
    }
    if (path.startsWith("..")) {
      throw new IllegalArgumentException("invalid volume path \"" + path + "\": must not start with '..'");
    }
  }

  static void removeTree(Path p) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : (Iterable<Path>) s::iterator) {
          removeTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
