package io.jk.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A busybox root filesystem built once per JVM from Debian's busybox-static: the binary,
 * one symlink per applet, the mount points, and the {@code pause} program at {@code /pause}.
 */
public final class Rootfs {
  private static Path built;

  private Rootfs() {}

  /** The shared rootfs directory; containers must not write to it (tests use tmpfs mounts). */
  public static synchronized Path get() throws IOException, InterruptedException {
    if (built != null) return built;
    Path dir = Files.createTempDirectory("jkrt-rootfs-");
    // a temp dir is 0700: the container's "/" must be traversable by non-root users
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    Process list = new ProcessBuilder("/bin/busybox", "--list").start();
    List<String> applets = new String(list.getInputStream().readAllBytes()).lines().toList();
    list.waitFor();
    for (String applet : applets) {
      if (!applet.equals("busybox")) Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    for (String d : List.of("proc", "sys", "dev", "tmp", "etc", "root")) Files.createDirectories(dir.resolve(d));
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(dir.resolve("etc/hosts"), "127.0.0.1 localhost\n");
    Files.copy(Jkrt.bin("pause"), dir.resolve("pause"), StandardCopyOption.COPY_ATTRIBUTES);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).start().waitFor();
      } catch (Exception ignored) {
        // best effort at JVM exit
      }
    }));
    built = dir;
    return dir;
  }
}
