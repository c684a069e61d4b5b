package io.jk.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test): pod-to-pod TCP throughput across nodes versus within a node.
 *
 * <p>Run as root: {@code java -cp <proxy test classpath> io.jk.proxy.ThroughputBenchmark [seconds] [rounds]}.
 * It makes two node namespaces joined by a veth pair (the "lab link", 172.31.251.1-2/24), each
 * with a pod bridge (10.244.1.0/24, 10.244.2.0/24), host-gw routes to the other node's pod
 * network, the proxy's table with {@code --cluster-cidr 10.244.0.0/16}, and pods as namespaces on
 * the bridges: two on node A, one on node B. A Java receiver ({@code --sink PORT}) in each target
 * pod counts bytes; a Java sender ({@code --pump HOST PORT SECONDS}) in pod A0 writes 64 KiB
 * buffers for the given time. Within-node (A0 to A1) and cross-node (A0 to B0) runs alternate
 * {@code rounds} times; the best of each is printed with the ratio. Everything it made is removed
 * at the end (receivers ended by PID, namespaces deleted).
 */
public final class ThroughputBenchmark {
  private static final HostCommands HOST = new HostCommands(null);
  private static final int PORT = 5201;

  private ThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("--sink")) {
      sink(Integer.parseInt(args[1]));
      return;
    }
    if (args.length >= 4 && args[0].equals("--pump")) {
      pump(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String prefix = "jktp" + ProcessHandle.current().pid() % 100000;
    List<String> namespaces = new ArrayList<>();
    List<Process> sinks = new ArrayList<>();
    try {
      String nodeA = prefix + "-a";
      String nodeB = prefix + "-b";
      for (String ns : List.of(nodeA, nodeB)) {
        netns(namespaces, ns);
        ip("-n", ns, "link", "set", "lo", "up");
        HOST.run(null, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      }
      ip("-n", nodeA, "link", "add", "lab0", "type", "veth", "peer", "name", "lab0", "netns", nodeB);
      node(nodeA, "172.31.251.1", "10.244.1.1", "10.244.2.0/24", "172.31.251.2");
      node(nodeB, "172.31.251.2", "10.244.2.1", "10.244.1.0/24", "172.31.251.1");
      String a0 = pod(namespaces, nodeA, prefix + "-a0", "10.244.1.10", "10.244.1.1", 0);
      String a1 = pod(namespaces, nodeA, prefix + "-a1", "10.244.1.11", "10.244.1.1", 1);
      String b0 = pod(namespaces, nodeB, prefix + "-b0", "10.244.2.10", "10.244.2.1", 0);
      sinks.add(startSink(a1));
      sinks.add(startSink(b0));
      double within = 0;
      double across = 0;
      for (int r = 0; r < rounds; r++) {
        within = Math.max(within, run(a0, "10.244.1.11", seconds));
        across = Math.max(across, run(a0, "10.244.2.10", seconds));
      }
      System.out.printf("pod-to-pod TCP, best of %d x %d s: within a node %.0f MB/s, across nodes %.0f MB/s, "
          + "across/within %.2f%n", rounds, seconds, within, across, across / within);
    } finally {
      for (Process p : sinks) {
        p.destroy();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      for (int i = namespaces.size() - 1; i >= 0; i--) {
        try {
          ip("netns", "del", namespaces.get(i));
        } catch (IOException e) {
          System.err.println("cannot delete netns " + namespaces.get(i) + ": " + e.getMessage());
        }
      }
    }
  }

  /** A node: its lab address, its pod bridge, the route to the other node's pods, the proxy's table. */
  private static void node(String ns, String labIp, String bridgeIp, String peerPods, String peerIp) throws IOException {
    ip("-n", ns, "addr", "add", labIp + "/24", "dev", "lab0");
    ip("-n", ns, "link", "set", "lab0", "up");
    ip("-n", ns, "link", "add", "br0", "type", "bridge");
    ip("-n", ns, "addr", "add", bridgeIp + "/24", "dev", "br0");
    ip("-n", ns, "link", "set", "br0", "up");
    ip("-n", ns, "route", "add", peerPods, "via", peerIp);
    new HostCommands(ns).nft(RuleSet.render(List.of(), "10.244.0.0/16").text());
  }

  private static String pod(List<String> namespaces, String node, String pod, String ip, String gw, int i)
      throws IOException {
    netns(namespaces, pod);
    ip("-n", node, "link", "add", "vp" + i, "type", "veth", "peer", "name", "eth0", "netns", pod);
    ip("-n", node, "link", "set", "vp" + i, "master", "br0", "up");
    ip("-n", pod, "link", "set", "lo", "up");
    ip("-n", pod, "addr", "add", ip + "/24", "dev", "eth0");
    ip("-n", pod, "link", "set", "eth0", "up");
    ip("-n", pod, "route", "add", "default", "via", gw);
    return pod;
  }

  private static void netns(List<String> namespaces, String name) throws IOException {
    ip("netns", "add", name);
    namespaces.add(name);
  }

  private static String ip(String... args) throws IOException {
    return HOST.ip(args);
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static Process startSink(String pod) throws IOException {
    Process p = new ProcessBuilder("ip", "netns", "exec", pod, java(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), ThroughputBenchmark.class.getName(), "--sink", String.valueOf(PORT))
        .redirectErrorStream(true).start();
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    if (!"listening".equals(line)) {
      p.destroy();
      throw new IOException("receiver in " + pod + " did not start: " + line);
    }
    return p;
  }

  /** Runs the sender in {@code pod} against {@code host}; returns MB/s (10^6 bytes per second). */
  private static double run(String pod, String host, int seconds) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "netns", "exec", pod, java(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), ThroughputBenchmark.class.getName(), "--pump", host,
        String.valueOf(PORT), String.valueOf(seconds)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("sender to " + host + " failed: " + out);
    }
    String[] f = out.split(" ");
    double mbps = Long.parseLong(f[0]) / (Long.parseLong(f[1]) / 1e9) / 1e6;
    System.out.printf("%s -> %s: %.0f MB/s%n", pod, host, mbps);
    return mbps;
  }

  /** Receives and discards connections one after another until killed. */
  private static void sink(int port) throws IOException {
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(port));
      System.out.println("listening");
      System.out.flush();
      byte[] buf = new byte[256 * 1024];
      while (true) {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
          while (in.read(buf) >= 0) {
            // discard
          }
        }
      }
    }
  }

  /** Writes for {@code seconds}; prints "bytes nanos". */
  private static void pump(String host, int port, int seconds) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long bytes = 0;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      OutputStream out = s.getOutputStream();
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      long now = start;
      while (now < end) {
        out.write(buf);
        bytes += buf.length;
        now = System.nanoTime();
      }
      System.out.println(bytes + " " + (now - start));
    }
  }
}
