package io.jk.proxy;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Pure functions from API objects to what the proxy programs: service port rules and node routes. */
public final class ProxyModel {
  /** Label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  private static final int DEFAULT_AFFINITY_SECONDS = 10800;

  private ProxyModel() {}

  /**
   * The rules for {@code services}, with endpoints from {@code slices}. Headless and ExternalName
   * Services and non-IPv4 ClusterIPs are skipped; an endpoint counts as ready unless its
   * {@code ready} condition is false (as kube-proxy). Rules come out sorted by id so the rendered
   * script is stable.
   */
  public static List<ServicePortRule> rules(Collection<Service> services, Collection<EndpointSlice> slices) {
    Map<String, List<EndpointSlice>> byService = new HashMap<>();
    for (EndpointSlice slice : slices) {
      if (slice.getMetadata() == null || slice.getMetadata().getLabels() == null
          || !"IPv4".equals(slice.getAddressType())) {
        continue;
      }
      String svc = slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
      if (svc != null) {
        byService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + svc, k -> new ArrayList<>()).add(slice);
      }
    }
    TreeMap<String, ServicePortRule> out = new TreeMap<>();
    for (Service svc : services) {
      if (svc.getSpec() == null || svc.getMetadata() == null) {
        continue;
      }
      String ip = svc.getSpec().getClusterIP();
      if (ip == null || !isIpv4(ip) || "ExternalName".equals(svc.getSpec().getType())) {
        continue;
      }
      String key = svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName();
      int affinity = affinitySeconds(svc);
      List<EndpointSlice> mine = byService.getOrDefault(key, List.of());
      for (ServicePort port : svc.getSpec().getPorts() == null ? List.<ServicePort>of() : svc.getSpec().getPorts()) {
        if (port.getPort() == null) {
          continue;
        }
        String proto = port.getProtocol() == null ? "tcp" : port.getProtocol().toLowerCase(Locale.ROOT);
        if (!Set.of("tcp", "udp", "sctp").contains(proto)) {
          continue;
        }
        String portName = port.getName() == null || port.getName().isEmpty()
            ? String.valueOf(port.getPort()) : port.getName();
        String id = key + ":" + portName;
        int nodePort = port.getNodePort() == null ? 0 : port.getNodePort();
        out.put(id, new ServicePortRule(id, ip, proto, port.getPort(), nodePort, affinity,
            endpoints(mine, port, proto)));
      }
    }
    return List.copyOf(out.values());
  }

  private static List<ServicePortRule.Endpoint> endpoints(List<EndpointSlice> slices, ServicePort port, String proto) {
    String name = port.getName() == null ? "" : port.getName();
    Set<ServicePortRule.Endpoint> eps = new LinkedHashSet<>();
    for (EndpointSlice slice : slices) {
      Integer target = null;
      for (EndpointPort p : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
        String pName = p.getName() == null ? "" : p.getName();
        String pProto = p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT);
        if (pName.equals(name) && pProto.equals(proto) && p.getPort() != null) {
          target = p.getPort();
        }
      }
      if (target == null || target < 1 || target > 65535) {
        continue;
      }
      for (Endpoint ep : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
        boolean ready = ep.getConditions() == null || !Boolean.FALSE.equals(ep.getConditions().getReady());
        if (!ready || ep.getAddresses() == null) {
          continue;
        }
        for (String addr : ep.getAddresses()) {
          if (isIpv4(addr)) {
            eps.add(new ServicePortRule.Endpoint(addr, target));
          }
        }
      }
    }
    List<ServicePortRule.Endpoint> sorted = new ArrayList<>(eps);
    sorted.sort((a, b) -> (a.ip() + ":" + a.port()).compareTo(b.ip() + ":" + b.port()));
    return sorted;
  }

  private static int affinitySeconds(Service svc) {
    if (!"ClientIP".equals(svc.getSpec().getSessionAffinity())) {
      return 0;
    }
    var cfg = svc.getSpec().getSessionAffinityConfig();
    if (cfg != null && cfg.getClientIP() != null && cfg.getClientIP().getTimeoutSeconds() != null
        && cfg.getClientIP().getTimeoutSeconds() > 0) {
      return cfg.getClientIP().getTimeoutSeconds();
    }
    return DEFAULT_AFFINITY_SECONDS;
  }

  /**
   * Host-gw routes: pod CIDR to InternalIP for every node other than {@code self} that has both.
   */
  public static Map<String, String> routes(Collection<Node> nodes, String self) {
    Map<String, String> out = new TreeMap<>();
    for (Node node : nodes) {
      if (node.getMetadata() == null || Objects.equals(node.getMetadata().getName(), self)
          || node.getSpec() == null || node.getSpec().getPodCIDR() == null || node.getStatus() == null
          || node.getStatus().getAddresses() == null) {
        continue;
      }
      String cidr = node.getSpec().getPodCIDR();
      if (!cidr.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+")) {
        continue;
      }
      for (NodeAddress a : node.getStatus().getAddresses()) {
        if ("InternalIP".equals(a.getType()) && a.getAddress() != null && isIpv4(a.getAddress())) {
          out.put(cidr, a.getAddress());
          break;
        }
      }
    }
    return out;
  }

  static boolean isIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }
}
