package io.jk.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host tools the proxy needs ({@code nft}, {@code ip}), optionally inside a named network
 * namespace ({@code ip netns exec NS ...}), which is how tests and the lab aim one proxy at one node.
 * Blocking: call from a worker thread.
 */
public final class HostCommands {
  private final String netns;

  /** Commands in the current network namespace ({@code netns} null) or in the named one. */
  public HostCommands(String netns) {
    this.netns = netns;
  }

  /** The network namespace commands run in, or null for the current one. */
  public String netns() {
    return netns;
  }

  /** Applies an nft script as one transaction ({@code nft -f -}). */
  public void nft(String script) throws IOException {
    run(script, "nft", "-f", "-");
  }

  /** Runs {@code ip args...}. */
  public String ip(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    return run(null, cmd.toArray(String[]::new));
  }

  /** Runs a command with optional standard input; a non-zero exit throws with its output. */
  public String run(String stdin, String... command) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (netns != null) {
      cmd.addAll(List.of("ip", "netns", "exec", netns));
    }
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream o = p.getInputStream()) {
      o.transferTo(out);
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": timed out");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", cmd) + ": interrupted", e);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(command[0] + " exited " + p.exitValue() + ": " + text.strip());
    }
    return text;
  }
}
