package io.jk.kubelet.container;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kubelet's files under {@code --root-dir}: what survives a kubelet restart and lets it adopt
 * its containers. Restart counts are the attempt numbers of the instance directories.
 *
 * <pre>
 * ROOT/runtime/                                the OCI runtime's --root
 * ROOT/pods/UID/pod.json                       namespace, name, uid (to tear down pods deleted meanwhile)
 * ROOT/pods/UID/etc/{hosts,hostname,resolv.conf}
 * ROOT/pods/UID/sandbox/                       the pause container's bundle and shim files
 * ROOT/pods/UID/containers/NAME/ATTEMPT/       one bundle per container instance: config.json,
 *                                              rootfs/, container.log, exit.json, shim.pid
 * </pre>
 */
public final class ContainerDirs {
  private final Path root;

  public ContainerDirs(Path root) {
    this.root = root.toAbsolutePath();
  }

  public Path root() {
    return root;
  }

  public Path runtimeRoot() {
    return root.resolve("runtime");
  }

  public Path podsDir() {
    return root.resolve("pods");
  }

  public Path pod(String uid) {
    return podsDir().resolve(uid);
  }

  public Path sandbox(String uid) {
    return pod(uid).resolve("sandbox");
  }

  public Path container(String uid, String name) {
    return pod(uid).resolve("containers").resolve(name);
  }

  public Path instance(String uid, String name, int attempt) {
    return container(uid, name).resolve(Integer.toString(attempt));
  }

  /** The runtime id of a container instance: unique per pod, name and attempt. */
  public static String containerId(String uid, String name, int attempt) {
    return uid + "-" + name + "-" + attempt;
  }

  public static String sandboxId(String uid) {
    return uid + "-pause";
  }

  /** The attempts of a container found on disk, ascending. */
  public List<Integer> attempts(String uid, String name) {
    Path dir = container(uid, name);
    List<Integer> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> {
        try {
          out.add(Integer.parseInt(p.getFileName().toString()));
        } catch (NumberFormatException ignored) {
          // not an instance directory
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  /** The uids of every pod with a directory on this node. */
  public List<String> podUids() {
    if (!Files.isDirectory(podsDir())) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(podsDir())) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
