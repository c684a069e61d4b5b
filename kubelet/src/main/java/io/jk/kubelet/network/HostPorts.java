package io.jk.kubelet.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ports[].hostPort} as the portmap CNI plugin does it, but in jk's own nftables table
 * ({@code table ip jk-hostport}) rather than iptables (which Debian 12's portmap plugin needs):
 * traffic to a node address (or the port's {@code hostIP}) on the host port, arriving from other nodes
 * (prerouting) or sent by the node itself (output), is DNATed to podIP:containerPort.
 *
 * <pre>
 * table ip jk-hostport
 *   chain prerouting  nat hook, priority -100: fib daddr type local jump hostports
 *   chain output      nat hook, priority -100: fib daddr type local jump hostports
 *   chain hostports   [ip daddr HOSTIP] tcp dport HOSTPORT dnat to PODIP:PORT comment "pod:UID"
 * </pre>
 *
 * <p>Rules are tagged with their pod's uid, so they survive a kubelet restart and are removed with the
 * pod; the table goes when its last rule does, and {@link #deleteTable()} removes it whole (cleanup).
 * IPv4 only; 127.0.0.1 is not mapped (as portmap without {@code snat}); a pod reaching its own host
 * port through the node's address (hairpin) is not masqueraded. Blocking; one change at a time.
 */
public final class HostPorts {
  public static final String TABLE = "jk-hostport";
  private static final Pattern HANDLE = Pattern.compile("comment \"pod:([^\"]+)\" # handle (\\d+)");

  private final Path netns;

  /** @param netns the node's network namespace to program (null: this process's own) */
  public HostPorts(Path netns) {
    this.netns = netns;
  }

  /** Maps the pod's host ports to {@code podIp}, replacing what the pod had (idempotent). */
  public synchronized void add(String podUid, String podIp, List<SandboxNetworkRef.PortMapping> mappings) throws IOException {
    String rules = rules(podUid, podIp, mappings);
    if (rules.isEmpty()) {
      return;
    }
    StringBuilder script = new StringBuilder();
    if (nft(false, "list", "table", "ip", TABLE).code() != 0) {
      script.append("table ip ").append(TABLE).append(" {\n  chain hostports {\n  }\n");
      for (String hook : List.of("prerouting", "output")) {
        script.append("  chain ").append(hook).append(" {\n    type nat hook ").append(hook)
            .append(" priority -100; policy accept;\n    fib daddr type local jump hostports\n  }\n");
      }
      script.append("}\n");
    } else {
      script.append(deletions(podUid));
    }
    script.append(rules);
    run(script.toString());
  }

  /** Removes the pod's host ports; the table too when no pod has any left. */
  public synchronized void remove(String podUid) throws IOException {
    if (nft(false, "list", "table", "ip", TABLE).code() != 0) {
      return;
    }
    String del = deletions(podUid);
    if (!del.isEmpty()) {
      run(del);
    }
    if (!HANDLE.matcher(nft(true, "-a", "list", "chain", "ip", TABLE, "hostports").out()).find()) {
      deleteTable();
    }
  }

  /** Removes the whole table (every pod's host ports): the node's cleanup. */
  public synchronized void deleteTable() throws IOException {
    if (nft(false, "list", "table", "ip", TABLE).code() == 0) {
      nft(true, "delete", "table", "ip", TABLE);
    }
  }

  /** The {@code add rule} lines for a pod's mappings (IPv4 only). */
  static String rules(String podUid, String podIp, List<SandboxNetworkRef.PortMapping> mappings) {
    if (podIp == null || !podIp.matches("\\d{1,3}(\\.\\d{1,3}){3}") || !podUid.matches("[A-Za-z0-9-]+")) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (SandboxNetworkRef.PortMapping m : mappings) {
      String proto = m.protocol() == null ? "tcp" : m.protocol().toLowerCase(Locale.ROOT);
      if (!List.of("tcp", "udp", "sctp").contains(proto) || m.hostPort() < 1 || m.hostPort() > 65535
          || m.containerPort() < 1 || m.containerPort() > 65535) {
        continue;
      }
      String hostIp = m.hostIp();
      boolean anyAddress = hostIp == null || hostIp.isEmpty() || hostIp.equals("0.0.0.0");
      if (!anyAddress && !hostIp.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
        continue; // an IPv6 hostIP: not in an ip table
      }
      b.append("add rule ip ").append(TABLE).append(" hostports ")
          .append(anyAddress ? "" : "ip daddr " + hostIp + " ")
          .append(proto).append(" dport ").append(m.hostPort()).append(" dnat to ").append(podIp).append(':')
          .append(m.containerPort()).append(" comment \"pod:").append(podUid).append("\"\n");
    }
    return b.toString();
  }

  private String deletions(String podUid) throws IOException {
    StringBuilder b = new StringBuilder();
    Matcher m = HANDLE.matcher(nft(true, "-a", "list", "chain", "ip", TABLE, "hostports").out());
    while (m.find()) {
      if (m.group(1).equals(podUid)) {
        b.append("delete rule ip ").append(TABLE).append(" hostports handle ").append(m.group(2)).append('\n');
      }
    }
    return b.toString();
  }

  private record Result(int code, String out) {}

  private void run(String script) throws IOException {
    Path f = Files.createTempFile("jk-hostport-", ".nft");
    try {
      Files.writeString(f, script);
      nft(true, "-f", f.toString());
    } finally {
      Files.deleteIfExists(f);
    }
  }

  private Result nft(boolean check, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (netns != null) {
      cmd.addAll(List.of("nsenter", "--net=" + netns, "--"));
    }
    cmd.add("nft");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("nft timed out: " + String.join(" ", args));
      }
      if (check && p.exitValue() != 0) {
        throw new IOException("nft " + String.join(" ", args) + ": " + out.strip());
      }
      return new Result(p.exitValue(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
