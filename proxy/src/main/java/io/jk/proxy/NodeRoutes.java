package io.jk.proxy;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-gw routes: each other node's pod CIDR is routed via that node's InternalIP, as flannel's
 * host-gw backend does. Keeps the routes it installed in step with the wanted set: replaces
 * changed ones, removes those of nodes that went away, never touches routes it did not make.
 */
public final class NodeRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRoutes.class);
  private final HostCommands host;
  private final Map<String, String> installed = new HashMap<>();

  /** Routes programmed through {@code host}. */
  public NodeRoutes(HostCommands host) {
    this.host = host;
  }

  /**
   * Makes the installed routes equal {@code wanted} (pod CIDR to gateway). A route that fails is
   * logged and retried on the next call; the others still apply.
   *
   * @return the number of routes that failed
   */
  public synchronized int sync(Map<String, String> wanted) {
    int failed = 0;
    for (var it = installed.entrySet().iterator(); it.hasNext();) {
      var e = it.next();
      if (!wanted.containsKey(e.getKey())) {
        try {
          host.ip("route", "del", e.getKey(), "via", e.getValue());
        } catch (IOException ex) {
          LOG.warn("Route removal failed cidr={} err=\"{}\"", e.getKey(), ex.getMessage());
        }
        it.remove();
      }
    }
    for (var e : wanted.entrySet()) {
      if (e.getValue().equals(installed.get(e.getKey()))) {
        continue;
      }
      try {
        host.ip("route", "replace", e.getKey(), "via", e.getValue());
        installed.put(e.getKey(), e.getValue());
        LOG.info("Route set cidr={} via={}", e.getKey(), e.getValue());
      } catch (IOException ex) {
        failed++;
        LOG.warn("Route failed cidr={} via={} err=\"{}\"", e.getKey(), e.getValue(), ex.getMessage());
      }
    }
    return failed;
  }

  /** Removes every route this instance installed. */
  public synchronized void removeAll() {
    sync(Map.of());
  }

  /** The routes currently installed (pod CIDR to gateway). */
  public synchronized Map<String, String> installed() {
    return Map.copyOf(installed);
  }
}
