package io.jk.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test "node": a network namespace with a pod bridge (10.244.0.1/24), a route for the service
 * range (10.96.0.0/12) on a dummy link that also carries the node address 172.31.250.2/24, and
 * pods as namespaces with veths into the bridge, each serving its own name with busybox httpd on
 * :8080. {@link #close()} ends the servers by PID and deletes every namespace it made (the pods'
 * veths go with them).
 */
final class NetnsFixture implements AutoCloseable {
  static final String NODE_IP = "172.31.250.2";
  static final String PEER_NODE_IP = "172.31.250.3";
  final String node;
  final List<String> pods = new ArrayList<>();
  final List<String> podIps = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> servers = new ArrayList<>();
  private final Path dir;
  private final HostCommands host = new HostCommands(null);

  NetnsFixture(int podCount) throws IOException {
    String prefix = "jkpt" + ProcessHandle.current().pid() % 100000;
    dir = Files.createTempDirectory("jk-proxy-test");
    node = prefix + "-node";
    try {
      netns(node);
      ip("-n", node, "link", "set", "lo", "up");
      ip("-n", node, "link", "add", "br0", "type", "bridge");
      ip("-n", node, "addr", "add", "10.244.0.1/24", "dev", "br0");
      ip("-n", node, "link", "set", "br0", "up");
      ip("-n", node, "link", "add", "svc0", "type", "veth", "peer", "name", "svc0p");
      ip("-n", node, "link", "set", "svc0p", "up");
      ip("-n", node, "addr", "add", NODE_IP + "/24", "dev", "svc0");
      ip("-n", node, "link", "set", "svc0", "up");
      ip("-n", node, "route", "add", "10.96.0.0/12", "dev", "svc0");
      host.run(null, "ip", "netns", "exec", node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      for (int i = 0; i < podCount; i++) {
        addPod(prefix, i);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void addPod(String prefix, int i) throws IOException {
    String pod = prefix + "-p" + i;
    String ip = "10.244.0." + (10 + i);
    netns(pod);
    ip("-n", node, "link", "add", "vp" + i, "type", "veth", "peer", "name", "eth0", "netns", pod);
    ip("-n", node, "link", "set", "vp" + i, "master", "br0", "up");
    // As the CNI bridge plugin's hairpinMode: with br_netfilter a pod reaching itself through its
    // Service is DNATed back out of the port it came in on.
    ip("-n", node, "link", "set", "vp" + i, "type", "bridge_slave", "hairpin", "on");
    ip("-n", pod, "link", "set", "lo", "up");
    ip("-n", pod, "addr", "add", ip + "/24", "dev", "eth0");
    ip("-n", pod, "link", "set", "eth0", "up");
    ip("-n", pod, "route", "add", "default", "via", "10.244.0.1");
    Path www = Files.createDirectories(dir.resolve("pod-" + i));
    Files.writeString(www.resolve("index.html"), "pod-" + i);
    servers.add(new ProcessBuilder("ip", "netns", "exec", pod, "busybox", "httpd", "-f", "-p", "8080",
        "-h", www.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    pods.add(pod);
    podIps.add(ip);
  }

  /** GET http://target/ from inside {@code netns}: the body, or "ERR: ..." with wget's message. */
  String get(String netns, String target) {
    try {
      return host.run(null, "ip", "netns", "exec", netns, "timeout", "5", "busybox", "wget", "-q", "-O", "-",
          "http://" + target + "/").strip();
    } catch (IOException e) {
      return "ERR: " + e.getMessage();
    }
  }

  String nft(String netns, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns, "nft"));
    cmd.addAll(List.of(args));
    return host.run(null, cmd.toArray(String[]::new));
  }

  String ip(String... args) throws IOException {
    return host.ip(args);
  }

  private void netns(String name) throws IOException {
    ip("netns", "add", name);
    namespaces.add(name);
  }

  @Override
  public void close() {
    for (Process p : servers) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      try {
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      try {
        ip("netns", "del", namespaces.get(i));
      } catch (IOException e) {
        System.err.println("cannot delete netns " + namespaces.get(i) + ": " + e.getMessage());
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir
    }
  }
}
