package io.jk.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test): TCP connection setup through a ClusterIP versus straight to the pod
 * IP, on a test-made node namespace with three pods and the proxy's rules.
 *
 * <p>Run as root: {@code java -cp <proxy test classpath> io.jk.proxy.ConnectBenchmark [connections]
 * [--httpd] [--no-masquerade]}.
 * Each pod runs a small acceptor ({@code --serve PORT}, listen backlog 4096) on :9090; the timing
 * half ({@code --time N TARGET...}) runs inside the node namespace and alternates the targets in
 * rounds of 10, so load on the shared machine falls on both paths alike. A third target, busybox
 * httpd on the pod IP, shows why the earlier figures had a p99 of one second: httpd listens with a
 * backlog of 9 and forks per connection, its accept queue overflows (TcpExtListenOverflows in the
 * pod's namespace) and the dropped SYN waits for the kernel's 1 s retransmit ({@code --httpd} adds
 * it; it takes a minute more). {@code --no-masquerade} renders the rules without a cluster CIDR,
 * so the node's connections to the ClusterIP are not masqueraded: the cost of the SNAT alone.
 */
public final class ConnectBenchmark {
  private static final String CLUSTER_IP = "10.96.0.50";
  private static final int ROUND = 10;

  private ConnectBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("--serve")) {
      serve(Integer.parseInt(args[1]));
      return;
    }
    if (args.length >= 1 && args[0].equals("--time")) {
      time(Integer.parseInt(args[1]), List.of(args).subList(2, args.length));
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    List<String> flags = List.of(args);
    String cidr = flags.contains("--no-masquerade") ? null : "10.244.0.0/16";
    List<Process> acceptors = new ArrayList<>();
    try (NetnsFixture net = new NetnsFixture(3)) {
      try {
        for (String pod : net.pods) {
          acceptors.add(startAcceptor(pod, 9090));
        }
        List<ServicePortRule.Endpoint> eps = new ArrayList<>();
        net.podIps.forEach(ip -> eps.add(new ServicePortRule.Endpoint(ip, 9090)));
        new HostCommands(net.node).nft(RuleSet.render(List.of(
            new ServicePortRule("default/web:http", CLUSTER_IP, "tcp", 80, 0, 0, eps)), cidr).text());
        long[] before = listenOverflows(net.pods.get(0));
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.node, java(), "-cp",
            System.getProperty("java.class.path"), ConnectBenchmark.class.getName(), "--time", String.valueOf(n),
            net.podIps.get(0) + ":9090", CLUSTER_IP + ":80"));
        if (flags.contains("--httpd")) {
          cmd.add(net.podIps.get(0) + ":8080");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        System.out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        p.waitFor();
        long[] after = listenOverflows(net.pods.get(0));
        System.out.printf("pod 0 namespace during the run: TcpExtListenOverflows +%d, TcpExtListenDrops +%d%n",
            after[0] - before[0], after[1] - before[1]);
      } finally {
        for (Process a : acceptors) {
          a.destroy();
          a.waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** Starts {@code --serve port} in {@code netns}; returns once it listens. */
  private static Process startAcceptor(String netns, int port) throws IOException {
    Process p = new ProcessBuilder("ip", "netns", "exec", netns, java(), "-Xmx32m", "-cp",
        System.getProperty("java.class.path"), ConnectBenchmark.class.getName(), "--serve", String.valueOf(port))
        .redirectErrorStream(true).start();
    String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    if (!"listening".equals(line)) {
      p.destroy();
      throw new IOException("acceptor in " + netns + " did not start: " + line);
    }
    return p;
  }

  /** Accepts and closes connections until killed; the large backlog keeps SYNs from being dropped. */
  private static void serve(int port) throws IOException {
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(port), 4096);
      System.out.println("listening");
      System.out.flush();
      while (true) {
        server.accept().close();
      }
    }
  }

  /** TcpExtListenOverflows and TcpExtListenDrops of {@code netns}, from its /proc/net/netstat. */
  private static long[] listenOverflows(String netns) throws IOException {
    String text = new HostCommands(netns).run(null, "cat", "/proc/net/netstat");
    String[] lines = text.split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("TcpExt:") && lines[i + 1].startsWith("TcpExt:")) {
        List<String> names = List.of(lines[i].split("\\s+"));
        String[] values = lines[i + 1].split("\\s+");
        return new long[] {Long.parseLong(values[names.indexOf("ListenOverflows")]),
            Long.parseLong(values[names.indexOf("ListenDrops")])};
      }
    }
    throw new IOException("no TcpExt counters in /proc/net/netstat of " + netns);
  }

  private static void time(int n, List<String> targets) throws IOException {
    List<InetSocketAddress> addrs = new ArrayList<>();
    List<List<Long>> times = new ArrayList<>();
    for (String t : targets) {
      int colon = t.lastIndexOf(':');
      addrs.add(new InetSocketAddress(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1))));
      times.add(new ArrayList<>());
    }
    for (InetSocketAddress a : addrs) {
      for (int i = 0; i < 200; i++) {
        connect(a); // warm-up: JIT, ARP, conntrack
      }
    }
    // Paired rounds: the ratio of the two paths' medians in each round, so that load changes on
    // the shared machine (which move both paths alike within a round) cancel out.
    List<Double> roundRatios = new ArrayList<>();
    for (int done = 0; done < n; done += ROUND) {
      long[][] round = new long[addrs.size()][ROUND];
      for (int k = 0; k < addrs.size(); k++) {
        for (int i = 0; i < ROUND; i++) {
          long s = System.nanoTime();
          connect(addrs.get(k));
          round[k][i] = System.nanoTime() - s;
          times.get(k).add(round[k][i]);
        }
        java.util.Arrays.sort(round[k]);
      }
      roundRatios.add((double) round[1][ROUND / 2] / round[0][ROUND / 2]);
    }
    Collections.sort(roundRatios);
    double[] p50 = new double[addrs.size()];
    double[] mean = new double[addrs.size()];
    for (int k = 0; k < addrs.size(); k++) {
      List<Long> t = times.get(k);
      Collections.sort(t);
      mean[k] = t.stream().mapToLong(Long::longValue).average().orElse(0) / 1000.0;
      p50[k] = t.get(t.size() / 2) / 1000.0;
      System.out.printf("%-20s connections=%d p50=%.0f us p90=%.0f us p99=%.0f us max=%.0f us mean=%.0f us%n",
          targets.get(k), t.size(), p50[k], t.get((int) (t.size() * 0.90)) / 1000.0,
          t.get((int) (t.size() * 0.99)) / 1000.0, t.get(t.size() - 1) / 1000.0, mean[k]);
    }
    System.out.printf("ClusterIP / pod IP: p50 %.2fx, mean %.2fx, median of %d paired-round ratios %.2fx%n",
        p50[1] / p50[0], mean[1] / mean[0], roundRatios.size(), roundRatios.get(roundRatios.size() / 2));
  }

  private static void connect(InetSocketAddress addr) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoLinger(true, 0); // RST on close: no TIME_WAIT pile-up over thousands of connections
      s.connect(addr, 3000);
    }
  }
}
