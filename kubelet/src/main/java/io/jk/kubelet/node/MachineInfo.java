package io.jk.kubelet.node;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the machine the Node reports, read from /proc and the file system. */
public final class MachineInfo {
  private MachineInfo() {}

  public static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** A field of /proc/meminfo in bytes ({@code MemTotal}, {@code MemAvailable}), 0 when missing. */
  public static long meminfo(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(field + ":")) {
          String[] f = line.substring(field.length() + 1).trim().split("\\s+");
          return Long.parseLong(f[0]) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown
    }
    return 0;
  }

  /** Total and usable bytes of the file system holding {@code dir}. */
  public static long[] disk(Path dir) {
    try {
      Files.createDirectories(dir);
      FileStore fs = Files.getFileStore(dir);
      return new long[] {fs.getTotalSpace(), fs.getUsableSpace()};
    } catch (IOException e) {
      return new long[] {0, 0};
    }
  }

  public static String read(String path, String fallback) {
    // One large read, not Files.readString: /proc/sys files report size 0, the JDK then reads one
    // byte first, and a sysctl read at a non-zero offset returns nothing ("32768" read as "3").
    try (java.io.InputStream in = Files.newInputStream(Path.of(path))) {
      return new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return fallback;
    }
  }

  public static String osImage() {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring(12).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // unknown
    }
    return "Linux";
  }

  /** GOARCH-style architecture name. */
  public static String arch() {
    String a = System.getProperty("os.arch");
    return switch (a) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> a;
    };
  }

  /** Running processes and the kernel's pid limit. */
  public static long[] pids() {
    long max = Long.parseLong(read("/proc/sys/kernel/pid_max", "32768"));
    long n = 0;
    try (var s = Files.list(Path.of("/proc"))) {
      n = s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).count();
    } catch (IOException e) {
      // unknown
    }
    return new long[] {n, max};
  }
}
