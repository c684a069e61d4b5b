package io.jk.cli.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The daemon's private directory ({@code $XDG_RUNTIME_DIR/jkctl} or {@code ~/.kube/jkctl}): its
 * socket, lock and log. Whoever can connect to the socket runs commands with the daemon's
 * credentials, so the directory must be a real directory (not a link), owned by this process's
 * user and closed to everybody else (mode 0700); anything else is refused, never repaired.
 * Root's daemon and a user's daemon thus never share one.
 */
final class SocketDir {

  private final Path dir;

  private SocketDir(Path dir) {
    this.dir = dir;
  }

  /** Checks {@code dir}; throws {@link IOException} saying why it is unsafe. */
  static SocketDir verify(Path dir) throws IOException {
    if (!dir.isAbsolute()) {
      throw new IOException("the daemon directory " + dir + " is not an absolute path");
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory");
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    long me = new com.sun.security.auth.module.UnixSystem().getUid();
    if (owner != me) {
      throw new IOException(dir + " is owned by uid " + owner + ", not by this user (uid " + me + ")");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> others = java.util.EnumSet.of(PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    others.retainAll(perms);
    if (!others.isEmpty()) {
      throw new IOException(dir + " has mode " + java.nio.file.attribute.PosixFilePermissions.toString(perms)
          + ", want rwx------ (0700)");
    }
    return new SocketDir(dir);
  }

  Path dir() {
    return dir;
  }

  /** The socket's path (short: a Unix socket's path is limited to 107 bytes). */
  Path socket() {
    return dir.resolve("sock");
  }

  /** The lock the running daemon holds for its whole life. */
  Path lock() {
    return dir.resolve("lock");
  }
}
