package io.jk.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Benchmark (not a test): TCP connection setup through a ClusterIP versus straight to the pod
 * IP, on a test-made node namespace with busybox httpd pods and the proxy's rules (3 endpoints).
 * Run as root: {@code java -cp <proxy test classpath> io.jk.proxy.ConnectBenchmark [connections]}.
 * The timing half runs as {@code ConnectBenchmark --time HOST PORT N} inside the node namespace.
 */
public final class ConnectBenchmark {
  private ConnectBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("--time")) {
      time(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    try (NetnsFixture net = new NetnsFixture(3)) {
      List<ServicePortRule.Endpoint> eps = new ArrayList<>();
      net.podIps.forEach(ip -> eps.add(new ServicePortRule.Endpoint(ip, 8080)));
      new HostCommands(net.node).nft(RuleSet.render(List.of(
          new ServicePortRule("default/web:http", "10.96.0.50", "tcp", 80, 0, 0, eps)), "10.244.0.0/16").text());
      run(net.node, net.podIps.get(0), 8080, n, "pod IP   ");
      run(net.node, "10.96.0.50", 80, n, "ClusterIP");
    }
  }

  private static void run(String netns, String host, int port, int n, String label) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", netns,
        ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
        ConnectBenchmark.class.getName(), "--time", host, String.valueOf(port), String.valueOf(n))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    System.out.println(label + " " + host + ":" + port + "  " + out.strip());
  }

  private static void time(String host, int port, int n) throws IOException {
    InetSocketAddress addr = new InetSocketAddress(host, port);
    for (int i = 0; i < 50; i++) {
      connect(addr); // warm-up
    }
    List<Long> t = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long s = System.nanoTime();
      connect(addr);
      t.add(System.nanoTime() - s);
    }
    Collections.sort(t);
    double mean = t.stream().mapToLong(Long::longValue).average().orElse(0) / 1000.0;
    System.out.printf("connections=%d mean=%.0f us p50=%d us p99=%d us%n", n, mean, t.get(n / 2) / 1000,
        t.get((int) (n * 0.99)) / 1000);
  }

  private static void connect(InetSocketAddress addr) throws IOException {
    try (Socket s = new Socket()) {
      s.setSoLinger(true, 0); // RST on close: no TIME_WAIT pile-up over thousands of connections
      s.connect(addr, 3000);
    }
  }
}
