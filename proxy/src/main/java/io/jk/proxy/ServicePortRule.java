package io.jk.proxy;

import java.util.List;
import java.util.Objects;

/**
 * What the proxy must do for one port of one Service: the virtual address and port, the optional
 * NodePort, session affinity, and the ready endpoints traffic goes to.
 *
 * @param id unique name of the service port, {@code namespace/name:port}
 * @param clusterIp the Service's IPv4 ClusterIP
 * @param protocol {@code tcp}, {@code udp} or {@code sctp}
 * @param port the Service port
 * @param nodePort the NodePort, 0 when none
 * @param affinityTimeoutSeconds ClientIP session affinity timeout, 0 when affinity is off
 * @param endpoints ready endpoints, in a stable order
 */
public record ServicePortRule(String id, String clusterIp, String protocol, int port, int nodePort,
    int affinityTimeoutSeconds, List<Endpoint> endpoints) {

  /** One ready backend of a service port. */
  public record Endpoint(String ip, int port) {
    /** Validates the address and port. */
    public Endpoint {
      Objects.requireNonNull(ip, "ip");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("endpoint port out of range: " + port);
      }
    }
  }

  /** Validates fields and copies the endpoint list. */
  public ServicePortRule {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(clusterIp, "clusterIp");
    if (!protocol.equals("tcp") && !protocol.equals("udp") && !protocol.equals("sctp")) {
      throw new IllegalArgumentException("unsupported protocol " + protocol);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("service port out of range: " + port);
    }
    endpoints = List.copyOf(endpoints);
  }
}
