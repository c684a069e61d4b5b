package io.jk.kubelet.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one image layer (a tar, gzip-compressed or not) into a directory that overlayfs can use
 * as a lower dir: OCI whiteouts ({@code .wh.name}) become overlay whiteouts (character device 0/0)
 * and opaque markers ({@code .wh..wh..opq}) become the {@code user.overlay.opaque} xattr (jk mounts
 * overlays with {@code userxattr}, so no {@code trusted.*} attribute tool is needed). Keeps hard
 * links, symlinks, modes (incl. setuid), ownership and device files (as root). Entries that would
 * leave the directory are refused.
 */
public final class LayerUnpacker {

  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private LayerUnpacker() {}

  /** Unpacks {@code layer} into {@code dir} (which must exist and be empty); returns the unpacked size. */
  public static long unpack(Path layer, Path dir) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(layer), 64 * 1024)) {
      return unpack(raw, dir);
    }
  }

  /** Unpacks a tar stream, gzip detected by its magic bytes. */
  public static long unpack(InputStream raw, Path dir) throws IOException {
    InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw);
    in.mark(4);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      in = new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024);
    }
    Path root = dir.toAbsolutePath().normalize();
    long size = 0;
    List<TarArchiveEntry> dirs = new ArrayList<>();
    List<Path> dirPaths = new ArrayList<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      Path path = resolve(root, e.getName());
      if (path.equals(root)) {
        if (e.isDirectory()) {
          dirs.add(e);
          dirPaths.add(path);
        }
        continue;
      }
      Files.createDirectories(path.getParent());
      String base = path.getFileName().toString();
      if (base.equals(OPAQUE)) {
        Files.createDirectories(path.getParent());
        setOpaque(path.getParent());
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        Path hidden = path.resolveSibling(base.substring(WHITEOUT.length()));
        removeRecursively(hidden);
        mknod(hidden, 'c', 0, 0);
        continue;
      }
      if (e.isDirectory()) {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          removeRecursively(path);
          Files.createDirectory(path);
        }
        dirs.add(e);
        dirPaths.add(path);
        continue;
      }
      removeRecursively(path);
      if (e.isSymbolicLink()) {
        Files.createSymbolicLink(path, Path.of(e.getLinkName()));
      } else if (e.isLink()) {
        Path target = resolve(root, e.getLinkName());
        Files.createLink(path, target);
        continue; // shares the target's inode and attributes
      } else if (e.isCharacterDevice() || e.isBlockDevice()) {
        mknod(path, e.isCharacterDevice() ? 'c' : 'b', e.getDevMajor(), e.getDevMinor());
      } else if (e.isFIFO()) {
        mknod(path, 'p', 0, 0);
      } else if (e.isFile()) {
        size += Files.copy(tar, path);
      } else {
        continue; // sockets and unknown kinds are not part of an image
      }
      applyAttributes(path, e);
    }
    // Directories last, deepest first, so creating their children does not reset their times.
    for (int i = dirs.size() - 1; i >= 0; i--) {
      applyAttributes(dirPaths.get(i), dirs.get(i));
    }
    return size;
  }

  /**
   * Where entry {@code name} goes, resolved as if {@code root} were the file system root: {@code ..}
   * stops at the root and symlinks met on the way (from this or earlier entries) are followed
   * inside the root, so no entry can write outside the layer dir. The last element is not followed.
   */
  static Path resolve(Path root, String name) throws IOException {
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>(List.of(name.split("/")));
    Path cur = root;
    int links = 0;
    while (!parts.isEmpty()) {
      String part = parts.pollFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        cur = cur.equals(root) ? root : cur.getParent();
        continue;
      }
      Path next = cur.resolve(part);
      if (!parts.isEmpty() && Files.isSymbolicLink(next)) {
        if (++links > 40) {
          throw new IOException("too many symlinks resolving layer entry " + name);
        }
        String target = Files.readSymbolicLink(next).toString();
        List<String> targetParts = List.of(target.split("/"));
        for (int i = targetParts.size() - 1; i >= 0; i--) {
          parts.addFirst(targetParts.get(i));
        }
        if (target.startsWith("/")) {
          cur = root;
        }
        continue;
      }
      cur = next;
    }
    if (!cur.startsWith(root)) {
      throw new IOException("layer entry escapes the layer: " + name);
    }
    return cur;
  }

  private static void applyAttributes(Path path, TarArchiveEntry e) throws IOException {
    Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    if (!e.isSymbolicLink()) {
      Files.setAttribute(path, "unix:mode", e.getMode() & 07777);
      Files.setLastModifiedTime(path, FileTime.from(e.getLastModifiedDate().toInstant()));
    }
  }

  /** Marks {@code dir} opaque: what lower layers hold there is hidden. */
  static void setOpaque(Path dir) throws IOException {
    UserDefinedFileAttributeView view = Files.getFileAttributeView(dir, UserDefinedFileAttributeView.class);
    view.write("overlay.opaque", ByteBuffer.wrap("y".getBytes(StandardCharsets.US_ASCII)));
  }

  static void mknod(Path path, char type, int major, int minor) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("mknod", path.toString(), String.valueOf(type)));
    if (type != 'p') {
      cmd.add(String.valueOf(major));
      cmd.add(String.valueOf(minor));
    }
    Commands.run(cmd);
  }

  static void removeRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      try (var children = Files.list(path)) {
        for (Path c : (Iterable<Path>) children::iterator) {
          removeRecursively(c);
        }
      }
    }
    Files.deleteIfExists(path);
  }
}
