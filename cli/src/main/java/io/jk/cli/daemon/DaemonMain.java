package io.jk.cli.daemon;

import io.jk.cli.CliException;
import io.jk.cli.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code jkctl daemon run --dir DIR [--idle-timeout 10m] [--max-requests 4]}: runs the jkctl
 * daemon in the foreground. The C client starts it this way (detached, output to
 * {@code DIR/daemon.log}); {@code jkctl daemon status|stop} are the client's own.
 * {@code JKCTL_DAEMON_IDLE_TIMEOUT} gives the idle timeout when the flag does not.
 */
public final class DaemonMain {

  /** The default idle timeout. */
  static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

  private DaemonMain() {}

  /**
   * Runs the daemon.
   *
   * @return the process exit code: 0 after a normal end or when another daemon runs already
   */
  public static int main(String[] args) {
    if (args.length == 0 || !args[0].equals("run")) {
      System.err.println("usage: jkctl daemon run --dir DIR [--idle-timeout 10m] [--max-requests 4]\n"
          + "       jkctl daemon status|stop (answered by the jkctl binary)");
      return 2;
    }
    String dirArg = null;
    String idle = System.getenv("JKCTL_DAEMON_IDLE_TIMEOUT");
    int max = 4;
    try {
      for (int i = 1; i < args.length; i++) {
        String a = args[i];
        String v = a.contains("=") ? a.substring(a.indexOf('=') + 1) : i + 1 < args.length ? args[++i] : null;
        String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        if (v == null) {
          throw new CliException(name + " needs a value");
        }
        switch (name) {
          case "--dir" -> dirArg = v;
          case "--idle-timeout" -> idle = v;
          case "--max-requests" -> max = Integer.parseInt(v);
          default -> throw new CliException("unknown flag " + name);
        }
      }
      if (dirArg == null) {
        throw new CliException("--dir is required");
      }
      Duration idleTimeout = idle == null || idle.isBlank() ? IDLE_TIMEOUT : Durations.parse(idle);
      if (max < 1) {
        throw new CliException("--max-requests must be at least 1");
      }
      SocketDir dir = SocketDir.verify(Path.of(dirArg));
      Daemon d = new Daemon(dir, buildId(), idleTimeout, max);
      if (!d.bind()) {
        Daemon.log("Another daemon holds the lock: exiting", "dir", dirArg);
        return 0;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> d.shutdown("signal"), "jkctl-daemon-exit"));
      d.serve();
      return 0;
    } catch (CliException | NumberFormatException e) {
      System.err.println("jkctl daemon: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("jkctl daemon: refusing to run: " + e.getMessage());
      return 1;
    }
  }

  /**
   * This build's id, which the C client of the same build carries in its requests: a daemon is
   * used only by clients built with its jar.
   */
  public static String buildId() {
    try (InputStream in = DaemonMain.class.getResourceAsStream("build-id")) {
      if (in == null) {
        return "unknown";
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
