package io.jk.testing.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Builds one image layer: a ustar archive of directories, files, symlinks, hard links and OCI
 * whiteouts, in the order added (no external tools).
 */
public final class LayerBuilder {

  private final ByteArrayOutputStream tar = new ByteArrayOutputStream();

  /** A directory with {@code mode}. */
  public LayerBuilder dir(String name, int mode) {
    entry(name.endsWith("/") ? name : name + "/", mode, '5', new byte[0], "");
    return this;
  }

  /** A regular file with {@code content}. */
  public LayerBuilder file(String name, String content, int mode) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
  }

  /** A regular file with {@code content}. */
  public LayerBuilder file(String name, byte[] content, int mode) {
    entry(name, mode, '0', content, "");
    return this;
  }

  /** A regular file copied from the host (e.g. {@code /bin/busybox}). */
  public LayerBuilder copy(String name, Path source, int mode) {
    try {
      return file(name, Files.readAllBytes(source), mode);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A symbolic link to {@code target}. */
  public LayerBuilder symlink(String name, String target) {
    entry(name, 0777, '2', new byte[0], target);
    return this;
  }

  /** A hard link to {@code existing}, an earlier entry of this layer. */
  public LayerBuilder hardlink(String name, String existing) {
    entry(name, 0644, '1', new byte[0], existing);
    return this;
  }

  /** A character ({@code 'c'}) or block ({@code 'b'}) device node. */
  public LayerBuilder device(String name, char kind, int major, int minor, int mode) {
    entry(name, mode, kind == 'b' ? '4' : '3', new byte[0], "", 0, 0, major, minor);
    return this;
  }

  /** A regular file owned by {@code uid}:{@code gid}. */
  public LayerBuilder fileOwnedBy(String name, String content, int mode, int uid, int gid) {
    entry(name, mode, '0', content.getBytes(StandardCharsets.UTF_8), "", uid, gid, 0, 0);
    return this;
  }

  /** An OCI whiteout: {@code path} of lower layers is deleted. */
  public LayerBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String name = slash < 0 ? ".wh." + path : path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return file(name, new byte[0], 0644);
  }

  /** An OCI opaque marker: what lower layers hold in {@code dir} is hidden. */
  public LayerBuilder opaque(String dir) {
    return file(dir.replaceAll("/+$", "") + "/.wh..wh..opq", new byte[0], 0644);
  }

  /** The uncompressed tar. */
  public byte[] tar() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(tar.toByteArray());
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** The gzip-compressed tar. */
  public byte[] gzip() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(tar());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void entry(String name, int mode, char type, byte[] content, String link) {
    entry(name, mode, type, content, link, 0, 0, 0, 0);
  }

  private void entry(String name, int mode, char type, byte[] content, String link, int uid, int gid, int major, int minor) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 329, 8, major);
    octal(h, 337, 8, minor);
    octal(h, 124, 12, content.length);
    octal(h, 136, 12, 1_700_000_000L);
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    tar.writeBytes(h);
    tar.writeBytes(content);
    int pad = (512 - content.length % 512) % 512;
    tar.writeBytes(new byte[pad]);
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > len) {
      throw new IllegalArgumentException("tar name too long: " + s);
    }
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = String.format("%0" + (len - 1) + "o", v);
    put(h, off, len - 1, s);
  }

  /** {@code sha256:<hex>} of {@code bytes}. */
  public static String digest(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
