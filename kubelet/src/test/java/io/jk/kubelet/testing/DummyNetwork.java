package io.jk.kubelet.testing;

import io.jk.kubelet.network.PodNetwork;
import io.jk.kubelet.network.PodNetworkStatus;
import io.jk.kubelet.network.SandboxNetworkRef;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test stand-in for CNI: gives the pod an address on loopback in the sandbox's own network namespace
 * (the runtime brought lo up, as jkrt and runc do in a new network namespace) (no dummy interface: the kernel here cannot load that module), reachable only from inside that namespace. Nothing touches the
 * host's network namespace; the namespace dies with the pause process.
 */
public final class DummyNetwork implements PodNetwork {
  private final AtomicInteger next = new AtomicInteger(1);
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  public final AtomicInteger tearDowns = new AtomicInteger();

  @Override
  public Future<PodNetworkStatus> setUp(SandboxNetworkRef sandbox) {
    try {
      // a /16 of addresses (a /24 ran out after 253 pods in one kubelet's life)
      int n = next.getAndIncrement() % (254 * 256);
      String ip = "10.244." + (n / 254) + "." + (n % 254 + 1);
      String ns = "--net=" + sandbox.netnsPath();
      Commands.run("nsenter", ns, "ip", "addr", "add", ip + "/32", "dev", "lo");
      ips.put(sandbox.sandboxId(), ip);
      return Future.succeededFuture(new PodNetworkStatus(List.of(ip), null));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Void> tearDown(SandboxNetworkRef sandbox) {
    ips.remove(sandbox.sandboxId());
    tearDowns.incrementAndGet();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> check(SandboxNetworkRef sandbox) {
    return Future.succeededFuture();
  }
}
