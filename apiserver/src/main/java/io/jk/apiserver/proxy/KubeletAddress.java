package io.jk.apiserver.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jk.apiserver.http.ApiException;

/**
 * Where a node's kubelet listens, read from its Node as Kubernetes does: the first
 * {@code InternalIP} of {@code status.addresses} (else the first address) and
 * {@code status.daemonEndpoints.kubeletEndpoint.Port} (10250 when absent).
 *
 * @param host the address
 * @param port the kubelet's port
 */
public record KubeletAddress(String host, int port) {

  /** The kubelet's default port. */
  public static final int DEFAULT_PORT = 10250;

  /** {@code host:port}, with brackets around an IPv6 host. */
  public String hostPort() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The kubelet address of {@code node}; a node without any address fails with a 500 Status. */
  public static KubeletAddress of(ObjectNode node) {
    String host = null;
    for (JsonNode a : node.path("status").path("addresses")) {
      if (a.path("type").asText().equals("InternalIP")) {
        host = a.path("address").asText();
        break;
      }
    }
    if (host == null) {
      for (JsonNode a : node.path("status").path("addresses")) {
        host = a.path("address").asText();
        break;
      }
    }
    if (host == null || host.isEmpty()) {
      throw ApiException.internal("node \"" + node.path("metadata").path("name").asText()
          + "\" has no address to reach its kubelet");
    }
    int port = node.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt(0);
    return new KubeletAddress(host, port > 0 && port < 65536 ? port : DEFAULT_PORT);
  }
}
